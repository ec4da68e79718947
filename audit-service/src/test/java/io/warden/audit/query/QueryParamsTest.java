package io.warden.audit.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.warden.audit.problem.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryParamsTest {

    private static QueryParams params(Map<String, List<String>> values) {
        return new QueryParams(values, QueryParams.filtersAnd("limit", "bucket"));
    }

    private static String refused(Runnable step) {
        ProblemException e = assertThrows(ProblemException.class, step::run);
        assertEquals(400, e.problem().status());
        return e.problem().parameter();
    }

    @Test
    void everyFilterParses() {
        DecisionFilter filter = params(Map.of("from", List.of("2026-12-03T09:00:00+01:00"),
                "to", List.of("2026-12-03T09:00:00Z"), "server", List.of("s"), "grant", List.of("g"),
                "tool", List.of("t"), "outcome", List.of("denied", "hidden"), "rule", List.of("(default deny)"),
                "policy_id", List.of("p"), "policy_version", List.of("7"), "q", List.of("50%"))).filter();
        assertEquals(new DecisionFilter(Instant.parse("2026-12-03T08:00:00Z"), Instant.parse("2026-12-03T09:00:00Z"),
                "s", "g", "t", List.of("denied", "hidden"), "(default deny)", "p", "7", "50%"), filter);
        assertEquals(DecisionFilter.all(), params(Map.of()).filter());
    }

    @Test
    void refusalsNameTheParameter() {
        assertEquals("grnt", refused(() -> params(Map.of("grnt", List.of("x")))));
        assertEquals("grant", refused(() -> params(Map.of("grant", List.of("a", "b")))));
        assertEquals("q", refused(() -> params(Map.of("q", List.of("x".repeat(1001))))));
        assertEquals("server", refused(() -> params(Map.of("server", List.of(""))).filter()));
        assertEquals("outcome", refused(() -> params(Map.of("outcome", List.of("allow", "ALLOWED"))).filter()));
        assertEquals("from", refused(() -> params(Map.of("from", List.of("2026-12-03"))).filter()));
        assertEquals("from", refused(() -> params(Map.of("from", List.of("2026-12-03T08:00:00"))).filter()));
        assertEquals("to", refused(() -> params(Map.of("from", List.of("2026-12-03T08:00:00Z"),
                "to", List.of("2026-12-03T08:00:00Z"))).filter()));
        assertEquals("limit", refused(() -> params(Map.of("limit", List.of("1e3"))).limit("limit", 50, 1000)));
        assertEquals("limit", refused(() -> params(Map.of("limit", List.of("99999999999"))).limit("limit", 50, 1000)));
        assertEquals("bucket", refused(() -> params(Map.of("bucket", List.of("1w"))).bucket("bucket", Duration.ZERO)));
        assertEquals("bucket", refused(() -> params(Map.of("bucket", List.of("367d"))).bucket("bucket", Duration.ZERO)));
    }

    @Test
    void limitsBucketsAndChoices() {
        assertEquals(50, params(Map.of()).limit("limit", 50, 1000));
        assertEquals(1000, params(Map.of("limit", List.of("1000"))).limit("limit", 50, 1000));
        assertEquals(Duration.ofMinutes(5), params(Map.of("bucket", List.of("5m"))).bucket("bucket", Duration.ZERO));
        assertEquals(Duration.ofDays(1), params(Map.of("bucket", List.of("1d"))).bucket("bucket", Duration.ZERO));
        assertEquals(Duration.ofSeconds(30), params(Map.of("bucket", List.of("30s"))).bucket("bucket", Duration.ZERO));
        QueryParams format = new QueryParams(Map.of("format", List.of("csv")), Set.of("format"));
        assertEquals("csv", format.choice("format", "jsonl", Set.of("jsonl", "csv")));
        assertNull(params(Map.of()).text("grant"));
    }
}
