package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The per-pod bound on concurrent streams answers 503 with Retry-After, and frees up when a stream ends. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
@TestProfile(StreamLimitTest.OneStream.class)
class StreamLimitTest {

    public static class OneStream implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.gateway.limits.max-concurrent-streams", "1");
        }
    }

    @TestHTTPResource("/")
    URI base;

    private static String slowCall(int id) {
        return Mcp.modernCall(id, "slow_progress", "{\"steps\":16,\"delayMs\":500}")
                .replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"t" + id + "\",");
    }

    @Test
    void secondConcurrentStreamIsRefusedUntilTheFirstEnds() {
        // The JDK client, not REST Assured, for the call running in the background. Each step is shorter than
        // the test bed's 5 s upstream-response-timeout, since this upstream sends its headers with the first event.
        CompletableFuture<String> first = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().sendAsync(HttpRequest.newBuilder(base.resolve("/mcp/fixture"))
                .header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).header("Content-Type", "application/json")
                .header("Accept", Mcp.ACCEPT).header("MCP-Protocol-Version", Mcp.MODERN).header("Mcp-Method", "tools/call")
                .header("Mcp-Name", "slow_progress").POST(HttpRequest.BodyPublishers.ofString(slowCall(1))).build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(HttpResponse::body);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                RestAssured.get("/q/metrics").asString().contains("warden_streams_active 1.0"));

        Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "slow_progress")
                .body(slowCall(2)).post("/mcp/fixture")
                .then().statusCode(503).header("Retry-After", equalTo("5"))
                .body("error.message", containsString("Too many concurrent streams")).body("id", equalTo(2));

        assertTrue(first.join().contains("done after 16 steps"));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                RestAssured.get("/q/metrics").asString().contains("warden_streams_active 0.0"));
    }
}
