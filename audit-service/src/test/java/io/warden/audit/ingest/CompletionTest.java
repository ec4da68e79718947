package io.warden.audit.ingest;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.produceRaw;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.api.DecisionEvent;
import io.warden.api.GatewayHeartbeat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Decision and completion merge into one row whatever their order and however often they arrive; per-instance
 * sequence gaps and the drops gateways report make a range incomplete.
 */
@QuarkusTest
class CompletionTest {

    /** An allowed call's decision (no upstream yet) and its completion (same id and time) under {@code instance}. */
    private static DecisionEvent[] call(String server, String instance, long sequence, Instant time, int status) {
        String id = UUID.randomUUID().toString();
        DecisionEvent decision = event(server, "g").id(id).time(time).sequence(instance, sequence).requestId("7").build();
        DecisionEvent completion = event(server, "g").id(id).time(time).sequence(instance, sequence + 1)
                .kind(DecisionEvent.Kind.COMPLETION)
                .outcome(status >= 500 ? DecisionEvent.Outcome.UPSTREAM_ERROR : DecisionEvent.Outcome.ALLOWED, null,
                        status >= 500 ? "upstream_status_" + status : null)
                .upstream(status, 5_000).gatewayMicros(80).build();
        return new DecisionEvent[] {decision, completion};
    }

    private static JsonPath stored(String id) {
        return api().get("/api/decisions/" + id).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aCompletionMergesIntoItsDecisionInEitherOrderAndOnce() {
        String server = unique("merge");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        DecisionEvent[] inOrder = call(server, "gw/in-order", 1, now, 200);
        DecisionEvent[] reversed = call(server, "gw/reversed", 1, now, 503);
        DecisionEvent[] hung = call(server, "gw/hung", 1, now, 200);

        produce(inOrder[0], inOrder[1], inOrder[1]); // a redelivered completion changes nothing
        produce(reversed[1]);                        // the completion first: kept until its decision arrives
        produce(hung[0]);                            // the stream hung: its decision alone
        await().atMost(Duration.ofSeconds(20)).until(() -> api().get("/api/decisions/" + inOrder[0].id()).statusCode() == 200
                && api().get("/api/decisions/" + hung[0].id()).statusCode() == 200);
        produce(reversed[0], reversed[0]);
        await().atMost(Duration.ofSeconds(20)).until(() -> api().get("/api/decisions/" + reversed[0].id()).statusCode() == 200);

        JsonPath a = stored(inOrder[0].id());
        assertEquals("allowed", a.getString("outcome"));
        assertEquals(200, a.getInt("upstream_status"));
        assertEquals(5000, a.getInt("upstream_micros"));
        assertTrue(a.getBoolean("completed"));
        assertEquals("decision", a.getString("kind"), "the row is the decision, completed");
        JsonPath b = stored(reversed[0].id());
        assertEquals("upstream_error", b.getString("outcome"), "the completion's outcome wins");
        assertEquals(503, b.getInt("upstream_status"));
        assertTrue(b.getBoolean("completed"));
        api().get("/api/decisions/" + hung[0].id()).then().body("outcome", equalTo("allowed"))
                .body("upstream_status", nullValue()).body("completed", nullValue());

        JsonPath list = api().queryParam("server", server).get("/api/decisions").then().statusCode(200).extract().jsonPath();
        assertEquals(3, list.getList("items").size(), "one row per call, completions are not rows of their own");
        assertEquals(1, api().queryParam("server", server).queryParam("outcome", "upstream_error")
                .get("/api/decisions").then().extract().jsonPath().getList("items").size());
    }

    @Test
    void gapsAndReportedDropsMakeARangeIncomplete() {
        String server = unique("gaps");
        Instant base = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        String whole = "gw/" + unique("whole");
        String holed = "gw/" + unique("holed");
        String dropping = "gw/" + unique("dropping");
        for (long n = 1; n <= 5; n++) {
            produce(event(server, "g").time(base.plusMillis(n)).sequence(whole, n).build());
            if (n != 3) { // number 3 never arrives
                produce(event(server, "g").time(base.plusMillis(n)).sequence(holed, n).build());
            }
        }
        produce(event(server, "g").time(base.plusMillis(1)).sequence(dropping, 1).build());
        heartbeat(dropping, base.minusSeconds(5), 0, Map.of("queue_full", 4L));  // before the range: not counted
        heartbeat(dropping, base.plusSeconds(1), 1, Map.of("queue_full", 6L));   // 2 more within it
        String from = base.toString();
        String to = base.plusSeconds(2).toString();
        await().atMost(Duration.ofSeconds(20)).until(() -> api().queryParam("from", from).queryParam("to", to)
                .queryParam("server", server).get("/api/decisions").then().extract().jsonPath().getList("items").size() == 10);

        // Heartbeats travel on their own key (partition) and may be stored after the decisions: wait until the
        // later one is in, i.e. until the range reports any drop at all.
        await().atMost(Duration.ofSeconds(20)).until(() -> api().queryParam("from", from).queryParam("to", to)
                .get("/api/aggregates/completeness").then().extract().jsonPath()
                .get("instances.find { it.instance == '" + dropping + "' }.dropped") instanceof Integer d && d > 0);
        JsonPath c = api().queryParam("from", from).queryParam("to", to).get("/api/aggregates/completeness")
                .then().statusCode(200).extract().jsonPath();
        assertFalse(c.getBoolean("complete"));
        assertEquals(0, (int) c.getInt("instances.find { it.instance == '" + whole + "' }.missing"));
        assertEquals(1, (int) c.getInt("instances.find { it.instance == '" + holed + "' }.missing"));
        assertEquals(2, (int) c.getInt("instances.find { it.instance == '" + dropping + "' }.dropped"));
        JsonPath page = api().queryParam("from", from).queryParam("to", to).get("/api/decisions").then().extract().jsonPath();
        assertFalse(page.getBoolean("completeness.complete"), "the first page carries the verdict");
        assertEquals(1, page.getInt("completeness.gaps"));
        assertEquals(2, page.getInt("completeness.drops"));

        api().queryParam("grant", "g").get("/api/aggregates/completeness").then().statusCode(400);
    }

    private static void heartbeat(String instance, Instant time, long sequence, Map<String, Long> dropped) {
        String json = TestEventsJson.of(GatewayHeartbeat.of(time, "gw", instance, sequence, dropped, false));
        produceRaw(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Heartbeats serialised as the gateway does. */
    private static final class TestEventsJson {
        static String of(GatewayHeartbeat beat) {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(beat);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
