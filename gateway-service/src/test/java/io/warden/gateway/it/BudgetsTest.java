package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pod's budgets refuse at once, with 503 or 429, Retry-After and the setting that ran out, and before anything
 * reaches the upstream: the fixture's request log shows the refused request never arrived.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
@TestProfile(BudgetsTest.SmallBudgets.class)
class BudgetsTest {

    public static class SmallBudgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.gateway.limits.max-calls-in-flight", "1",
                    "warden.gateway.limits.max-streams-per-grant", "1",
                    "warden.gateway.limits.max-concurrent-streams", "3",
                    "warden.gateway.limits.max-sessions-per-grant-per-minute", "4",
                    "warden.gateway.limits.max-revocations-per-grant", "1");
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/mcp/fixture")
    URI endpoint;

    @Test
    void aCallBeyondTheCallsInFlightIsRefusedBeforeTheUpstreamSeesIt() throws Exception {
        // A 2026-07-28 call streaming progress for minutes: a call in flight (answered as SSE), until it is closed.
        String longCall = Mcp.modernCall(1, "slow_progress", "{\"steps\":1000,\"delayMs\":100}")
                .replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"t1\",");
        HttpResponse<InputStream> running = HTTP.send(HttpRequest.newBuilder(endpoint)
                        .POST(HttpRequest.BodyPublishers.ofString(longCall))
                        .header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).header("Content-Type", "application/json")
                        .header("Accept", Mcp.ACCEPT).header("MCP-Protocol-Version", Mcp.MODERN).header("Mcp-Method", "tools/call")
                        .header("Mcp-Name", "slow_progress").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try {
            assertEquals(200, running.statusCode());
            long callsBefore = GatewayTestBed.fixture.requestCount("tools/call");

            Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "slow_progress")
                    .body(Mcp.modernCall(2, "slow_progress", "{\"steps\":1,\"delayMs\":10}")
                            .replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"t2\","))
                    .post("/mcp/fixture")
                    .then().statusCode(503).header("Retry-After", equalTo("1"))
                    .body("id", equalTo(2))
                    .body("error.message", containsString("max-calls-in-flight"))
                    .body("error.data.limit", equalTo("max-calls-in-flight"));

            assertEquals(callsBefore, GatewayTestBed.fixture.requestCount("tools/call"),
                    "the refused call must never reach the upstream");
            await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.get("/q/metrics").asString()
                    .contains("warden_budget_refusals_total{cause=\"calls_exhausted\",server=\"fixture\"}"));
        } finally {
            running.body().close();
        }
        // Once the running call ends, calls are admitted again.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "echo")
                        .body(Mcp.modernCall(3, "echo", "{\"message\":\"hi\"}")).post("/mcp/fixture")
                        .then().statusCode(200));
    }

    @Test
    void aGrantBeyondItsStreamBudgetIsRefusedWhileAnotherGrantStillStreams() throws Exception {
        String first = legacySession(GatewayTestBed.ALLOW_TOKEN);
        String second = legacySession(GatewayTestBed.ALLOW_TOKEN);
        HttpResponse<InputStream> held = getStream(GatewayTestBed.ALLOW_TOKEN, first);
        HttpResponse<InputStream> other = null;
        try {
            assertEquals(200, held.statusCode());
            await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.get("/q/metrics").asString()
                    .contains("warden_streams_open{server=\"fixture\"} 1.0"));
            long getsBefore = GatewayTestBed.fixture.requests().stream().filter(r -> "GET".equals(r.httpMethod())).count();

            Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", second).header("MCP-Protocol-Version", "2025-11-25")
                    .accept("text/event-stream").get("/mcp/fixture")
                    .then().statusCode(503).header("Retry-After", equalTo("5"))
                    .body("error.message", containsString("max-streams-per-grant"))
                    .body("error.data.limit", equalTo("max-streams-per-grant"));
            assertEquals(getsBefore, GatewayTestBed.fixture.requests().stream().filter(r -> "GET".equals(r.httpMethod())).count(),
                    "the refused stream must never reach the upstream");

            // Another grant's stream is its own budget.
            other = getStream(GatewayTestBed.SHADOW_TOKEN, legacySession(GatewayTestBed.SHADOW_TOKEN));
            assertEquals(200, other.statusCode());
        } finally {
            held.body().close();
            if (other != null) {
                other.body().close();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.get("/q/metrics").asString()
                .contains("warden_streams_open{server=\"fixture\"} 0.0"));
    }

    @Test
    void sessionsCreatedPerGrantPerMinuteAreBounded() {
        // The first one may also make the gateway probe the upstream's era (an initialize of its own): counted after it.
        Mcp.client(GatewayTestBed.CALLABLE_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture").then().statusCode(200);
        long before = GatewayTestBed.fixture.requestCount("initialize");
        for (int i = 0; i < 3; i++) {
            Mcp.client(GatewayTestBed.CALLABLE_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture").then().statusCode(200);
        }
        Mcp.client(GatewayTestBed.CALLABLE_TOKEN).body(Mcp.initialize(9)).post("/mcp/fixture")
                .then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("id", equalTo(9))
                .body("error.data.limit", equalTo("max-sessions-per-grant-per-minute"));
        assertEquals(before + 3, GatewayTestBed.fixture.requestCount("initialize"));
    }

    @Test
    void aGrantThatEndedItsShareOfSessionsIsRefusedBeforeTheUpstreamEndsAnother() {
        String first = legacySession(GatewayTestBed.LIMITED_TOKEN);
        String second = legacySession(GatewayTestBed.LIMITED_TOKEN);
        delete(GatewayTestBed.LIMITED_TOKEN, first).then().statusCode(org.hamcrest.Matchers.oneOf(200, 202, 204));
        long deletesBefore = deletes();

        delete(GatewayTestBed.LIMITED_TOKEN, second).then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("error.message", containsString("max-revocations-per-grant"))
                .body("error.data.limit", equalTo("max-revocations-per-grant"));
        assertEquals(deletesBefore, deletes(), "the refused DELETE must never reach the upstream");
        // The session the grant could not end still works; the one it ended does not.
        Mcp.client(GatewayTestBed.LIMITED_TOKEN).header("Mcp-Session-Id", second).header("MCP-Protocol-Version", "2025-11-25")
                .body("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}").post("/mcp/fixture").then().statusCode(200);
        Mcp.client(GatewayTestBed.LIMITED_TOKEN).header("Mcp-Session-Id", first).header("MCP-Protocol-Version", "2025-11-25")
                .body("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\"}").post("/mcp/fixture").then().statusCode(404);
        await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.get("/q/metrics").asString()
                .contains("warden_budget_refusals_total{cause=\"grant_revocations_exhausted\",server=\"fixture\"}"));
    }

    private static io.restassured.response.Response delete(String token, String session) {
        return Mcp.client(token).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25")
                .delete("/mcp/fixture");
    }

    private static long deletes() {
        return GatewayTestBed.fixture.requests().stream().filter(r -> "DELETE".equals(r.httpMethod())).count();
    }

    private static String legacySession(String token) {
        return Mcp.client(token).body(Mcp.initialize(1)).post("/mcp/fixture").then().statusCode(200)
                .extract().header("Mcp-Session-Id");
    }

    private HttpResponse<InputStream> getStream(String token, String session) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(endpoint).GET()
                        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25").build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }
}
