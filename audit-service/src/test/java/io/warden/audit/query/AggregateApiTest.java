package io.warden.audit.query;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.api.DecisionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each aggregate against a data set whose answers are known. */
@QuarkusTest
class AggregateApiTest {

    private static final String SERVER = unique("agg");
    /**
     * Five to eleven hours ago, on a multiple of six hours since the epoch: buckets are aligned on multiples of their
     * width, so every width these tests use (30 min, 1 h, 3 h) starts a bucket at H0, whatever the time of day.
     */
    private static final Instant H0 = Instant.ofEpochSecond(
            Instant.now().minus(Duration.ofHours(5)).getEpochSecond() / 21_600 * 21_600);
    private static final List<Long> GATEWAY = new ArrayList<>();
    private static final List<Long> UPSTREAM = new ArrayList<>();
    private static boolean loaded;

    /**
     * Hour 0: 3 allowed echo and 2 denied delete_file (grant g1). Hour 1: denied delete_file, denied drop_db by the
     * default, one hidden (g2). Hour 2: 4 allowed, 1 error (g3). Gateway latencies 100..1300 µs, upstream only for the
     * allowed ones.
     */
    @BeforeEach
    void data() {
        if (loaded) {
            return;
        }
        List<DecisionEvent> events = new ArrayList<>();
        Instant hour0 = H0.plus(Duration.ofMinutes(10));
        Instant hour1 = H0.plus(Duration.ofMinutes(70));
        Instant hour2 = H0.plus(Duration.ofMinutes(130));
        for (int i = 0; i < 3; i++) {
            events.add(allowed("g1", hour0.plusSeconds(i)));
        }
        for (int i = 0; i < 2; i++) {
            events.add(denied("g1", hour0.plusSeconds(10 + i), "delete_file", "/tools/delete_file"));
        }
        events.add(denied("g2", hour1, "delete_file", "/tools/delete_file"));
        events.add(denied("g2", hour1.plusSeconds(1), "drop_db", "(default deny)"));
        events.add(with(event(SERVER, "g2").time(hour1.plusSeconds(2)).tool("secret")
                .outcome(DecisionEvent.Outcome.HIDDEN, "(hidden)", null)));
        for (int i = 0; i < 4; i++) {
            events.add(allowed("g3", hour2.plusSeconds(i)));
        }
        events.add(with(event(SERVER, "g3").time(hour2.plusSeconds(9)).outcome(DecisionEvent.Outcome.UPSTREAM_ERROR, null, null)));
        produce(events);
        await().atMost(Duration.ofSeconds(60)).until(() -> idsOf("server=" + SERVER).size() == 13);
        loaded = true;
    }

    private static int sequence;

    private static DecisionEvent allowed(String grant, Instant time) {
        long upstream = 1000L * (UPSTREAM.size() + 1);
        UPSTREAM.add(upstream);
        return with(event(SERVER, grant).time(time).upstream(200, upstream));
    }

    private static DecisionEvent denied(String grant, Instant time, String tool, String rule) {
        return with(event(SERVER, grant).time(time).tool(tool)
                .outcome(DecisionEvent.Outcome.DENIED, rule, "no"));
    }

    /** Gives the event the next gateway latency: 100, 200, … µs (produced in a shuffled order of values). */
    private static DecisionEvent with(DecisionEvent.Builder builder) {
        long micros = 100L * ((sequence++ * 7) % 13 + 1);
        GATEWAY.add(micros);
        return builder.gatewayMicros(micros).build();
    }

    private static JsonPath get(String path, Map<String, ?> params) {
        return api().queryParam("server", SERVER).queryParams(params).get(path).then().statusCode(200)
                .extract().jsonPath();
    }

    private static Map<String, Object> range() {
        return Map.of("from", H0.toString(), "to", H0.plus(Duration.ofHours(3)).toString());
    }

    /** Every outcome with its count, zero for those not given. */
    private static Map<String, Integer> counts(int allowed, int denied, int hidden, int upstreamError) {
        Map<String, Integer> all = new java.util.LinkedHashMap<>();
        for (DecisionEvent.Outcome o : DecisionEvent.Outcome.values()) {
            all.put(o.wire(), 0);
        }
        all.putAll(Map.of("allowed", allowed, "denied", denied, "hidden", hidden, "upstream_error", upstreamError));
        return all;
    }

    @Test
    void outcomesPerHour() {
        JsonPath body = get("/api/aggregates/outcomes", Map.of("from", H0.toString(),
                "to", H0.plus(Duration.ofHours(3)).toString(), "bucket", "1h"));
        assertEquals(3600, body.getInt("bucket_seconds"));
        assertEquals(List.of(H0.toString(), H0.plusSeconds(3600).toString(), H0.plusSeconds(7200).toString()),
                body.getList("buckets.start"));
        assertEquals(counts(3, 2, 0, 0),
                body.getMap("buckets[0].counts"));
        assertEquals(counts(0, 2, 1, 0),
                body.getMap("buckets[1].counts"));
        assertEquals(counts(4, 0, 0, 1),
                body.getMap("buckets[2].counts"));
        assertEquals(List.of(5, 3, 5), body.getList("buckets.total"));
    }

    @Test
    void emptyBucketsAreListedWithZeros() {
        JsonPath body = get("/api/aggregates/outcomes", Map.of("from", H0.toString(),
                "to", H0.plus(Duration.ofHours(3)).toString(), "bucket", "30m"));
        assertEquals(List.of(5, 0, 3, 0, 5, 0), body.getList("buckets.total"));
        // a range that does not start on a bucket boundary: buckets stay aligned on the epoch
        JsonPath shifted = get("/api/aggregates/outcomes", Map.of("from", H0.plusSeconds(600).toString(),
                "to", H0.plus(Duration.ofHours(1)).toString(), "bucket", "1h"));
        assertEquals(List.of(H0.toString()), shifted.getList("buckets.start"));
        assertEquals(List.of(5), shifted.getList("buckets.total"));
    }

    @Test
    void outcomesHonourTheOtherFilters() {
        JsonPath body = get("/api/aggregates/outcomes", Map.of("from", H0.toString(),
                "to", H0.plus(Duration.ofHours(3)).toString(), "bucket", "3h", "grant", "g2"));
        assertEquals(List.of(3), body.getList("buckets.total"));
    }

    @Test
    void topDeniedToolsAndRules() {
        JsonPath tools = get("/api/aggregates/denied-tools", range());
        assertEquals(List.of("delete_file", "drop_db"), tools.getList("items.value"));
        assertEquals(List.of(3, 1), tools.getList("items.count"));
        JsonPath rules = get("/api/aggregates/denied-rules", range());
        assertEquals(List.of("/tools/delete_file", "(default deny)"), rules.getList("items.value"));
        assertEquals(List.of(3, 1), rules.getList("items.count"));
        JsonPath top1 = get("/api/aggregates/denied-rules", Map.of("limit", 1));
        assertEquals(List.of("/tools/delete_file"), top1.getList("items.value"));
    }

    @Test
    void callsPerGrantMostActiveFirst() {
        JsonPath body = get("/api/aggregates/grants", range());
        assertEquals(List.of("g1", "g3", "g2"), body.getList("items.grant_id"));
        assertEquals(List.of(5, 5, 3), body.getList("items.total"));
        assertEquals(counts(3, 2, 0, 0),
                body.getMap("items[0].counts"));
        assertEquals(counts(0, 2, 1, 0),
                body.getMap("items[2].counts"));
        // without a range: the last 24 hours, which hold all of it
        assertEquals(List.of(5, 5, 3), get("/api/aggregates/grants", Map.of()).getList("items.total"));
    }

    @Test
    void latencyPercentilesAreNearestRank() {
        JsonPath body = get("/api/aggregates/latency", range());
        assertEquals(13, body.getInt("gateway_micros.count"));
        assertEquals(nearestRank(GATEWAY, 0.5), body.getLong("gateway_micros.p50"));
        assertEquals(nearestRank(GATEWAY, 0.9), body.getLong("gateway_micros.p90"));
        assertEquals(nearestRank(GATEWAY, 0.95), body.getLong("gateway_micros.p95"));
        assertEquals(nearestRank(GATEWAY, 0.99), body.getLong("gateway_micros.p99"));
        assertEquals(1300L, body.getLong("gateway_micros.max"));
        assertEquals(7, body.getInt("upstream_micros.count"));
        assertEquals(nearestRank(UPSTREAM, 0.5), body.getLong("upstream_micros.p50"));
        assertEquals(nearestRank(UPSTREAM, 0.99), body.getLong("upstream_micros.p99"));
        assertEquals(7000L, body.getLong("upstream_micros.max"));

        JsonPath none = get("/api/aggregates/latency", Map.of("grant", "nobody"));
        assertEquals(0, none.getInt("upstream_micros.count"));
        assertNull(none.get("upstream_micros.p50"));
    }

    /** The smallest value with at least a fraction p of the values at or below it. */
    private static long nearestRank(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
    }
}
