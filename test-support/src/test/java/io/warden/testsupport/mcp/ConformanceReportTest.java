package io.warden.testsupport.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConformanceReportTest {
    private static final String DIRECT = """
            === Running scenario: ping ===
            ✓ not-a-summary-line: 9 passed, 9 failed

            === SUMMARY ===
            ✓ server-initialize: 3 passed, 0 failed
            ✓ ping: 2 passed, 0 failed
            ✗ tasks-lifecycle: 1 passed, 8 failed
            ✓ json-schema-2020-12: 8 passed, 0 failed

            Total: 14 passed, 8 failed

            Not scored for 2026-07-28: 2 scenario(s) run, 1 failing. These do not affect conformance.
              ✗ tasks-lifecycle (extension)
              ✓ json-schema-2020-12 (pending)
            """;

    @Test
    void readsTheSummaryAndWhatIsNotScored() {
        ConformanceReport report = ConformanceReport.parse("2026-07-28", DIRECT);
        assertEquals(List.of("server-initialize", "ping", "tasks-lifecycle", "json-schema-2020-12"),
                List.copyOf(report.scenarios().keySet()));
        assertEquals(Optional.of("extension"), report.scenarios().get("tasks-lifecycle").unscoredBecause());
        assertTrue(report.scenarios().get("ping").scored());
        assertEquals(List.of(), report.scoredFailures(), "an unscored failure does not count");
        assertTrue(report.toMarkdown().contains("| tasks-lifecycle | no (extension) | fail | 1 / 8 |"));
    }

    @Test
    void findsRegressionsAgainstABaseline() {
        ConformanceReport direct = ConformanceReport.parse("2026-07-28", DIRECT);
        ConformanceReport proxied = ConformanceReport.parse("2026-07-28", """
                === SUMMARY ===
                ✓ server-initialize: 3 passed, 0 failed
                ✗ ping: 1 passed, 1 failed
                ✗ tasks-lifecycle: 0 passed, 9 failed
                """);
        assertEquals(List.of("ping", "json-schema-2020-12"), proxied.regressionsAgainst(direct));
        assertFalse(proxied.scoredFailures().isEmpty());
    }
}
