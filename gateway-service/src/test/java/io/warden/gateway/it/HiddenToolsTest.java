package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.warden.testsupport.mcp.RawMcpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Hidden tools stay hidden on every path that can carry a tool list back, not only the answer to a POSTed
 * tools/list: a stream resumed with Last-Event-ID (the real fixture replays an earlier tools/list answer), a GET stream,
 * SSE events with another id, answers that are not application/json or not 2xx, duplicate members, odd spellings.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class HiddenToolsTest {

    private static final String HIDDEN = "delete_account";

    @TestHTTPResource("/mcp/fixture")
    URI fixture;

    @TestHTTPResource("/")
    URI base;

    /**
     * The fixture's POST answer to tools/list is an SSE stream with ids (a priming event first); resuming after the
     * priming event makes the SDK replay the tools/list answer on a GET stream, which answers no request the gateway
     * knows.
     */
    @Test
    void aToolsListAnswerReplayedOnAResumedStreamIsFiltered() {
        RawMcpClient client = new RawMcpClient(fixture.toString()).header("Authorization", "Bearer " + GatewayTestBed.STRICT_TOKEN);
        client.initialize("2025-11-25");
        RawMcpClient.Exchange list = client.request("tools/list", null);
        assertFalse(list.body().contains(HIDDEN), list.body());
        String priming = firstEventId(list.body());
        assertNotNull(priming, "the fixture's SSE answer starts with a priming event: " + list.body());
        long id = list.response().get("id").asLong();
        List<JsonNode> replayed = client.resume(priming, id, Duration.ofSeconds(15));
        JsonNode answer = replayed.get(replayed.size() - 1);
        List<String> names = answer.at("/result/tools").findValuesAsText("name");
        assertTrue(names.contains("echo"), "the replay is the tools/list answer: " + replayed);
        assertFalse(names.contains(HIDDEN), names.toString());
    }

    @Test
    void aToolListOnAGetStreamIsFiltered() {
        String body = given().header("Authorization", "Bearer " + GatewayTestBed.faultToken("tools-other-id"))
                .accept("text/event-stream").get("/mcp/tools-other-id").then().statusCode(200).extract().asString();
        assertTrue(body.contains("echo") && body.contains("replayed-1"), body);
        assertFalse(body.contains(HIDDEN), body);
    }

    @Test
    void aToolListInAnEventWithAnotherIdIsFiltered() {
        Response r = post("tools-other-id", toolsCall());
        assertEquals(200, r.statusCode());
        String body = r.asString();
        assertTrue(body.contains("someone-else") && body.contains("\"text\":\"ok\""), body);
        assertFalse(body.contains(HIDDEN), body);
    }

    @Test
    void aToolListAnsweredAsTextIsFiltered() {
        for (String body : List.of(toolsList(), toolsCall())) {
            Response r = post("tools-as-text", body);
            assertEquals(200, r.statusCode(), r.asString());
            assertTrue(r.asString().contains("echo"), r.asString());
            assertFalse(r.asString().contains(HIDDEN), r.asString());
        }
    }

    @Test
    void aToolListOnAClientErrorIsFiltered() {
        Response r = post("tools-on-4xx", toolsList());
        assertEquals(400, r.statusCode(), r.asString());
        assertTrue(r.asString().contains("echo"), r.asString());
        assertFalse(r.asString().contains(HIDDEN), r.asString());
    }

    @Test
    void duplicateResultsAreNeverPassedAsTheyCame() {
        Response r = post("tools-duplicate", toolsList());
        assertEquals(200, r.statusCode(), r.asString());
        assertFalse(r.asString().contains(HIDDEN), "a reader that keeps the first member must not see it: " + r.asString());
        assertEquals(1, r.asString().split("\"result\"", -1).length - 1, r.asString());
    }

    @Test
    void aToolListUnderAnotherSpellingIsRefused() {
        for (String body : List.of(toolsList(), toolsCall())) {
            Response r = post("tools-odd-name", body);
            assertEquals(502, r.statusCode(), r.asString());
            assertFalse(r.asString().contains(HIDDEN), r.asString());
            assertTrue(r.asString().contains("tool list the gateway cannot read"), r.asString());
        }
    }

    @Test
    void aToolsListAnswerWithoutAToolListIsAnsweredWithAnError() {
        Response r = post("tools-shapeless", toolsList());
        assertEquals(200, r.statusCode(), r.asString());
        List<JsonNode> messages = RawMcpClient.parseMessages("text/event-stream", r.asString());
        assertEquals(1, messages.size(), r.asString());
        assertEquals(7, messages.get(0).path("id").asInt(), r.asString());
        assertEquals(-32603, messages.get(0).at("/error/code").asInt(), r.asString());
        assertFalse(r.asString().contains(HIDDEN), r.asString());
        assertTrue(post("tools-shapeless", toolsCall()).asString().contains("\"tool\""),
                "the same shape answering a call is no tool list: passed as it came");
    }

    /** The old HTTP+SSE transport: answers travel on the client's stream, through the same relay. */
    @Test
    void aToolListInAnEventWithAnotherIdIsFilteredOnTheOldTransportsStream() {
        String token = GatewayTestBed.faultToken("tools-other-id");
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(base.resolve("/mcp/tools-other-id/sse"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(lines::add));
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: /mcp/")));
        String endpoint = lines.stream().filter(l -> l.startsWith("data: /mcp/")).findFirst().orElseThrow().substring(6);
        given().header("Authorization", "Bearer " + token).contentType("application/json").body(toolsCall())
                .post(endpoint).then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains("\"text\":\"ok\"")));
        assertTrue(lines.stream().anyMatch(l -> l.contains("someone-else")), lines.toString());
        assertFalse(lines.stream().anyMatch(l -> l.contains(HIDDEN)), lines.toString());
    }

    private static Response post(String server, String body) {
        return Mcp.client(GatewayTestBed.faultToken(server)).body(body).post("/mcp/" + server);
    }

    private static String toolsList() {
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}";
    }

    private static String toolsCall() {
        return Mcp.legacyCall(8, "echo", "{\"message\":\"hi\"}");
    }

    private static String firstEventId(String sse) {
        for (String line : sse.split("\r?\n")) {
            if (line.startsWith("id:")) {
                return line.substring(3).strip();
            }
        }
        return null;
    }

}
