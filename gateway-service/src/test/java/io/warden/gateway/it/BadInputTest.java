package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.warden.gateway.session.SessionCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every bad input gets its own clear, structured error, and never a 5xx for the client's mistake. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class BadInputTest {

    private static final String PING = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";

    @Test
    void malformedJsonIsAParseError() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).body("{\"jsonrpc\":\"2.0\",").post("/mcp/fixture")
                .then().statusCode(400).body("error.code", equalTo(-32700));
    }

    @Test
    void wrongContentTypeIs415() {
        given().header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).contentType("text/plain")
                .accept(Mcp.ACCEPT).body(PING).post("/mcp/fixture")
                .then().statusCode(415).body("error.message", containsString("Content-Type"));
    }

    @Test
    void acceptWithoutEventStreamIs406() {
        given().header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).contentType("application/json")
                .accept("application/json").body(PING).post("/mcp/fixture")
                .then().statusCode(406).body("error.message", containsString("text/event-stream"));
    }

    @Test
    void oversizedBodyIs413WithAJsonRpcError() {
        String big = Mcp.legacyCall(1, "echo", "{\"message\":\"" + "x".repeat(70_000) + "\"}");
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(big).post("/mcp/fixture")
                .then().statusCode(413).body("error.code", equalTo(-32600)).body("error.message", containsString("65536"));
    }

    @Test
    void otherHttpMethodsAre405WithAJsonRpcErrorAndAllow() {
        for (String method : List.of("PUT", "PATCH")) {
            Response r = Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(PING).request(method, "/mcp/fixture");
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, POST, DELETE, OPTIONS", r.header("Allow"), method);
            assertEquals(-32000, r.jsonPath().getInt("error.code"), method);
            assertTrue(r.jsonPath().getString("error.message").contains(method), method);
        }
    }

    @Test
    void unknownServerIs404() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(PING).post("/mcp/nope")
                .then().statusCode(404).body("error.message", containsString("Unknown MCP server")).body("id", equalTo(1));
    }

    @Test
    void missingTokenIs401WithAChallenge() {
        Mcp.client(null).body(PING).post("/mcp/fixture")
                .then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"))
                .body("error.message", containsString("Authorization"));
    }

    @Test
    void unknownTokenIs401() {
        Mcp.client("wdn_not-a-real-token").body(PING).post("/mcp/fixture")
                .then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
    }

    @Test
    void tokenOfAnotherServerIs403() {
        Mcp.client(GatewayTestBed.OTHER_SERVER_TOKEN).body(PING).post("/mcp/fixture")
                .then().statusCode(403).body("error.message", containsString("not valid for server fixture"));
    }

    @Test
    void batchesAreRefused() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).body("[" + PING + "]").post("/mcp/fixture")
                .then().statusCode(400).body("error.code", equalTo(-32600)).body("error.message", containsString("batch"));
    }

    @Test
    void unsupportedProtocolVersionHeaderIs400() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("MCP-Protocol-Version", "1999-01-01").body(PING).post("/mcp/fixture")
                .then().statusCode(400).body("error.message", containsString("MCP-Protocol-Version"));
    }

    @Test
    void modernHeaderThatDisagreesWithTheBodyIs400WithMinus32020AndTheId() {
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "echo")
                .body(Mcp.modernCall(41, "delete_account", "{}")).post("/mcp/fixture")
                .then().statusCode(400).body("error.code", equalTo(-32020)).body("id", equalTo(41));
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/list", null)
                .body(Mcp.modernCall(42, "echo", "{}")).post("/mcp/fixture")
                .then().statusCode(400).body("error.code", equalTo(-32020)).body("id", equalTo(42));
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("MCP-Protocol-Version", Mcp.MODERN)
                .body(Mcp.modernCall(43, "echo", "{}")).post("/mcp/fixture")
                .then().statusCode(400).body("error.code", equalTo(-32020)).body("error.message", containsString("Mcp-Method"));
    }

    @Test
    void badHostOrOriginIs403() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Host", "evil.example.com").body(PING).post("/mcp/fixture")
                .then().statusCode(403);
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Origin", "http://evil.example.com").body(PING).post("/mcp/fixture")
                .then().statusCode(403).body("error.message", containsString("Origin"));
    }

    @Test
    void allowedOriginGetsCorsHeadersExposingTheSession() {
        given().header("Origin", "http://localhost:5173").header("Access-Control-Request-Method", "POST")
                .options("/mcp/fixture")
                .then().statusCode(204)
                .header("Access-Control-Allow-Origin", equalTo("http://localhost:5173"))
                .header("Access-Control-Expose-Headers", containsString("Mcp-Session-Id"));
    }

    @Test
    void forgedExpiredAndForeignSessionsAre404() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", "forged-session").body(PING).post("/mcp/fixture")
                .then().statusCode(404).body("error.message", equalTo("Session not found"));

        Clock past = Clock.fixed(Instant.now().minus(Duration.ofDays(3)), ZoneOffset.UTC);
        String expired = SessionCodec.create(List.of(GatewayTestBed.SESSION_KEY), Duration.ofHours(1), past)
                .seal("fixture", "allow", null, "2025-11-25", "2025-11-25");
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", expired).body(PING).post("/mcp/fixture")
                .then().statusCode(404);

        String strictSession = Mcp.client(GatewayTestBed.STRICT_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture")
                .then().statusCode(200).extract().header("Mcp-Session-Id");
        assertNotNull(strictSession);
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", strictSession).body(PING).post("/mcp/fixture")
                .then().statusCode(404);
    }

    @Test
    void upstreamThatIsDownIs502WithAJsonRpcError() {
        Mcp.client(GatewayTestBed.faultToken("down")).body(PING).post("/mcp/down")
                .then().statusCode(502).body("error.message", containsString("unreachable")).body("id", equalTo(1));
    }

    @Test
    void upstreamThatHangsIs504AfterTheResponseTimeout() {
        Mcp.client(GatewayTestBed.faultToken("hang")).body(PING).post("/mcp/hang")
                .then().statusCode(504).body("error.message", containsString("did not answer"));
    }

    @Test
    void upstreamGarbageIs502() {
        Mcp.client(GatewayTestBed.faultToken("garbage")).body(PING).post("/mcp/garbage")
                .then().statusCode(502).body("error.message", containsString("not JSON-RPC"));
    }

    @Test
    void upstreamFailureIs502AndItsChallengeIsNotRelayed() {
        Mcp.client(GatewayTestBed.faultToken("fail")).body(PING).post("/mcp/fail")
                .then().statusCode(502).body("error.message", containsString("HTTP 500"));
        Mcp.client(GatewayTestBed.faultToken("unauthorized")).body(PING).post("/mcp/unauthorized")
                .then().statusCode(502).header("WWW-Authenticate", nullValue())
                .body("error.message", containsString("credentials"));
    }

    @Test
    void oversizedUpstreamAnswerIs502() {
        Mcp.client(GatewayTestBed.faultToken("huge")).body(PING).post("/mcp/huge")
                .then().statusCode(502).body("error.message", containsString("larger than"));
    }

    @Test
    void streamCutMidwayEndsWithAnErrorEventForTheRequest() {
        Response r = Mcp.client(GatewayTestBed.faultToken("cut")).body(Mcp.legacyCall(7, "echo", "{}")).post("/mcp/cut");
        assertEquals(200, r.statusCode());
        String body = r.asString();
        assertTrue(body.contains("notifications/progress"), body);
        assertTrue(body.contains("\"id\":7") && body.contains("Upstream error"), body);
    }

    @Test
    void noFailureAboveIsAnInternalError() {
        given().get("/q/metrics").then().statusCode(200)
                .body(not(containsString("outcome=\"internal_error\"")));
    }
}
