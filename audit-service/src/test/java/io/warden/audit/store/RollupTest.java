package io.warden.audit.store;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.api.DecisionEvent;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The per-minute rollups (migration V4) against the raw rows they summarise, after the consumer stored a shuffled
 * stream with every decision redelivered up to twice, completions before and after their decisions (moving calls from
 * allowed to upstream_error), and redelivered completions: each rollup equals a direct GROUP BY over the stored
 * decisions, and every aggregate endpoint answers the same from the rollups as from the raw rows alone.
 */
@QuarkusTest
class RollupTest {

    private static final String EPOCH = "TIMESTAMPTZ '1970-01-01 00:00:00+00'";

    @Inject
    DataSource dataSource;

    @Test
    void rollupsEqualTheRawCountsAfterDuplicatesAndOutOfOrderDelivery() throws Exception {
        String server = unique("rollup");
        String instance = server + "/gw";
        Random random = new Random(11);
        // Four hours ago, on no particular second: the decisions spread over three hours, so that the ranges below
        // hold whole minutes and whole hours (rollups) and partial ones (raw rows) at both ends.
        Instant t0 = Instant.now().minus(Duration.ofHours(4)).truncatedTo(ChronoUnit.MICROS);
        List<DecisionEvent> decisions = new ArrayList<>();
        List<DecisionEvent> completions = new ArrayList<>();
        long sequence = 1;
        long[] latencies = {37, 150, 1_234, 98_765, 99, 100, 4_321};
        String[] grants = {"g1", "g2", "g3"};
        String[] tools = {"echo", "delete_file", "drop_db"};
        for (int i = 0; i < 120; i++) {
            Instant time = t0.plusMillis(i * 90_000L + random.nextInt(60_000));
            String grant = grants[random.nextInt(grants.length)];
            String tool = tools[random.nextInt(tools.length)];
            DecisionEvent.Builder b = event(server, grant).id(UUID.randomUUID().toString()).time(time).tool(tool)
                    .sequence(instance, sequence++).gatewayMicros(latencies[random.nextInt(latencies.length)]);
            switch (i % 5) {
                case 0 -> b.outcome(DecisionEvent.Outcome.DENIED, "/tools/" + tool, "no");
                case 1 -> b.outcome(DecisionEvent.Outcome.DENIED, "(default deny)", "no");
                case 2 -> b.outcome(DecisionEvent.Outcome.RATE_LIMITED, "/tools/" + tool + "/rate_limit", "slow");
                default -> b.outcome(DecisionEvent.Outcome.ALLOWED, null, null);
            }
            DecisionEvent decision = b.build();
            decisions.add(decision);
            if (i % 5 >= 3) { // allowed calls complete: every other one with an upstream error
                boolean failed = i % 2 == 0;
                completions.add(event(server, grant).id(decision.id()).time(time).tool(tool)
                        .sequence(instance, sequence++).kind(DecisionEvent.Kind.COMPLETION)
                        .outcome(failed ? DecisionEvent.Outcome.UPSTREAM_ERROR : DecisionEvent.Outcome.ALLOWED, null,
                                failed ? "upstream_status_502" : null)
                        .upstream(failed ? 502 : 200, latencies[random.nextInt(latencies.length)] * 3)
                        .gatewayMicros(latencies[random.nextInt(latencies.length)]).build());
            }
        }
        // Half the completions arrive before their decisions; everything else shuffled, every decision redelivered
        // up to twice and every completion once more, some of them after the merge.
        List<DecisionEvent> early = new ArrayList<>(completions.subList(0, completions.size() / 2));
        List<DecisionEvent> rest = new ArrayList<>(decisions);
        for (DecisionEvent d : decisions) {
            for (int k = random.nextInt(3); k > 0; k--) {
                rest.add(d);
            }
        }
        rest.addAll(completions.subList(completions.size() / 2, completions.size()));
        Collections.shuffle(rest, random);
        produce(early);
        produce(rest);
        produce(completions);

        await().atMost(Duration.ofSeconds(60)).until(() -> count(
                "SELECT count(*) FROM decisions WHERE server_id = ? AND completed", server) == completions.size()
                && count("SELECT count(*) FROM decisions WHERE server_id = ?", server) == decisions.size());
        assertEquals(completions.size(), count("SELECT count(*) FROM completions c JOIN decisions d USING (id, time)"
                + " WHERE d.server_id = ?", server));
        long upstreamErrors = count("SELECT count(*) FROM decisions WHERE server_id = ? AND outcome = 'upstream_error'",
                server);
        assertTrue(upstreamErrors > 0, "some completions moved calls to upstream_error");

        assertSame(server, "outcomes per minute",
                "SELECT minute::text, outcome, n FROM decision_minutes WHERE server_id = ? AND n <> 0 ORDER BY 1, 2",
                "SELECT date_bin('1 minute', time, " + EPOCH + ")::text, outcome, count(*) FROM decisions"
                        + " WHERE server_id = ? GROUP BY 1, 2 ORDER BY 1, 2");
        assertSame(server, "per grant",
                "SELECT hour::text, grant_id, outcome, n FROM decision_hours_grants WHERE server_id = ? AND n <> 0"
                        + " ORDER BY 1, 2, 3",
                "SELECT date_bin('1 hour', time, " + EPOCH + ")::text, grant_id, outcome, count(*) FROM decisions"
                        + " WHERE server_id = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
        assertSame(server, "denied tools and rules",
                "SELECT hour::text, tool, rule, n FROM decision_hours_denied WHERE server_id = ? AND n <> 0"
                        + " ORDER BY 1, 2, 3",
                "SELECT date_bin('1 hour', time, " + EPOCH + ")::text, tool, rule, count(*) FROM decisions"
                        + " WHERE server_id = ? AND outcome = 'denied' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
        assertSame(server, "latency histograms",
                "SELECT hour::text, kind, micros, n FROM decision_hours_latency WHERE server_id = ? AND n <> 0"
                        + " ORDER BY 1, 2, 3",
                "SELECT m::text, kind, micros, count(*) FROM ("
                        + " SELECT date_bin('1 hour', time, " + EPOCH + ") AS m, 'gateway' AS kind,"
                        + "        warden_latency_bucket(gateway_micros) AS micros FROM decisions WHERE server_id = ?"
                        + " UNION ALL SELECT date_bin('1 hour', time, " + EPOCH + "), 'upstream',"
                        + "        warden_latency_bucket(upstream_micros) FROM decisions"
                        + "  WHERE server_id = '" + server + "' AND upstream_micros IS NOT NULL) l"
                        + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
        assertSame(instance, "sequence numbers",
                "SELECT minute::text, first_sequence, last_sequence, received FROM decision_minutes_sequences"
                        + " WHERE instance = ? ORDER BY 1",
                "SELECT date_bin('1 minute', time, " + EPOCH + ")::text, min(sequence), max(sequence), count(*) FROM ("
                        + " SELECT time, sequence FROM decisions WHERE instance = ?"
                        + " UNION ALL SELECT time, sequence FROM completions WHERE instance = '" + instance + "') s"
                        + " GROUP BY 1 ORDER BY 1");

        // The API over a range that starts and ends inside minutes: rollups plus raw edges, against the raw rows alone
        // (policy_id is a filter no rollup keeps; every event here has the same policy).
        Map<String, String> range = Map.of("server", server, "from", t0.plusSeconds(37).toString(),
                "to", t0.plus(Duration.ofMinutes(170)).plusMillis(12_345).toString());
        Map<String, String> rawOnly = new TreeMap<>(range);
        rawOnly.put("policy_id", "read-only");
        for (String path : List.of("outcomes?bucket=1m", "outcomes?bucket=5m", "outcomes?bucket=1h&grant=g2",
                "denied-tools", "denied-rules", "grants", "latency")) {
            JsonPath fromRollups = get("/api/aggregates/" + path, range);
            JsonPath fromRaw = get("/api/aggregates/" + path, rawOnly);
            String key = path.startsWith("outcomes") ? "buckets" : path.equals("latency") ? "" : "items";
            assertEquals((Object) fromRaw.get(key), (Object) fromRollups.get(key), path);
            assertFalse(fromRollups.getString(key.isEmpty() ? "gateway_micros.count" : key).isEmpty(), path);
        }
        JsonPath minutes = get("/api/aggregates/outcomes?bucket=1m", range);
        long total = minutes.getList("buckets.total", Long.class).stream().mapToLong(Long::longValue).sum();
        assertEquals(count("SELECT count(*) FROM decisions WHERE server_id = ? AND time >= '"
                + range.get("from") + "' AND time < '" + range.get("to") + "'", server), total);
        assertTrue(total > 0 && total < decisions.size(), "the range cuts the data: " + total);

        JsonPath completeness = api().queryParam("from", t0.minusSeconds(1).toString())
                .queryParam("to", t0.plus(Duration.ofMinutes(190)).toString()).get("/api/aggregates/completeness")
                .then().statusCode(200).extract().jsonPath();
        Map<String, Object> mine = completeness.getMap("instances.find { it.instance == '" + instance + "' }");
        assertEquals(1, ((Number) mine.get("first_sequence")).longValue());
        assertEquals(sequence - 1, ((Number) mine.get("last_sequence")).longValue());
        assertEquals(sequence - 1, ((Number) mine.get("received")).longValue(), "each event counted once");
        assertEquals(0, ((Number) mine.get("missing")).longValue());
    }

    private static JsonPath get(String path, Map<String, String> params) {
        return api().queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
    }

    private long count(String sql, String param) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, param);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void assertSame(String param, String what, String rollupSql, String rawSql) throws SQLException {
        List<List<String>> rollup = rows(rollupSql, param);
        List<List<String>> raw = rows(rawSql, param);
        assertFalse(raw.isEmpty(), what);
        assertEquals(raw, rollup, what);
    }

    private List<List<String>> rows(String sql, String param) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, param);
            try (ResultSet rs = s.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }
}
