package io.warden.audit.query;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exports, streamed: JSON lines are the stored events; CSV has a header and one quoted-as-needed row each. */
@QuarkusTest
class ExportApiTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void jsonLinesAreTheStoredEventsNewestFirst() throws Exception {
        String server = unique("export");
        Instant base = Instant.now().minusSeconds(3600);
        List<DecisionEvent> events = new ArrayList<>();
        for (int i = 0; i < 1200; i++) { // more than one fetch of the server-side cursor
            events.add(event(server, "g" + (i % 4)).time(base.plusMillis(i)).build());
        }
        produce(events);
        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).size() == 1200);

        var response = api().queryParam("server", server).get("/api/decisions/export").then().statusCode(200)
                .contentType(startsWith("application/x-ndjson"))
                .header("Content-Disposition", equalTo("attachment; filename=\"decisions.jsonl\""))
                .extract().asString();
        String[] lines = response.split("\n");
        assertEquals(1200, lines.length);
        for (int i = 0; i < lines.length; i++) {
            DecisionEvent expected = events.get(events.size() - 1 - i);
            assertEquals(MAPPER.readTree(TestEvents.json(expected)), MAPPER.readTree(lines[i]));
        }

        String filtered = api().queryParam("server", server).queryParam("grant", "g1").queryParam("format", "jsonl")
                .get("/api/decisions/export").then().statusCode(200).extract().asString();
        assertEquals(300, filtered.split("\n").length);
    }

    @Test
    void csvQuotesWhatNeedsQuotingAndDisarmsFormulas() throws Exception {
        String server = unique("csv");
        DecisionEvent tricky = event(server, "g").tool("=HYPERLINK(\"x\")")
                .outcome(DecisionEvent.Outcome.DENIED, "/tools/x", "no, \"never\"\nnot today")
                .argumentSummary(List.of("b", "a"), null, null)
                .shadow("/tools/x/deny_if/0", "shadow says no")
                .upstream(502, 900)
                .flag("limiter_open").flag("local_fallback")
                .sequence("gw/csv", 4).requestId("7").grantLabel("CI bot")
                .time(Instant.parse("2026-12-01T10:00:00.123456Z"))
                .build();
        DecisionEvent plain = event(server, "g").time(Instant.parse("2026-12-01T09:00:00Z")).build();
        produce(tricky, plain);
        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).size() == 2);

        String csv = api().queryParam("server", server).queryParam("format", "csv").get("/api/decisions/export")
                .then().statusCode(200).contentType(startsWith("text/csv"))
                .header("Content-Disposition", equalTo("attachment; filename=\"decisions.csv\""))
                .extract().asString();
        String header = "id,time,gateway_id,server_id,grant_id,era,protocol_version,method,tool,outcome,rule,message,"
                + "policy_id,policy_version,shadow,argument_keys,argument_digest,redacted,upstream_status,"
                + "gateway_micros,upstream_micros,flags,instance,sequence,request_id,grant_label,argument_digest_key,"
                + "refund,completed\r\n";
        String first = tricky.id() + ",2026-12-01T10:00:00.123456Z,gw-test," + server + ",g,modern,2025-11-25,"
                + "tools/call,\"'=HYPERLINK(\"\"x\"\")\",denied,/tools/x,\"no, \"\"never\"\"\nnot today\",read-only,3,"
                + "\"[{\"\"rule\"\":\"\"/tools/x/deny_if/0\"\",\"\"message\"\":\"\"shadow says no\"\"}]\",a;b,,,502,150,900,"
                + "limiter_open;local_fallback,gw/csv,4,7,CI bot,,,\r\n";
        String second = plain.id() + ",2026-12-01T09:00:00Z,gw-test," + server + ",g,modern,2025-11-25,tools/call,echo,"
                + "allowed,,,read-only,3,,,,,,150,,,,,,,,,\r\n";
        assertEquals(header + first + second, csv);
        JsonNode stored = MAPPER.readTree(api().get("/api/decisions/" + tricky.id()).asString());
        assertEquals("=HYPERLINK(\"x\")", stored.get("tool").asText(), "only the CSV disarms; the record is intact");
    }
}
