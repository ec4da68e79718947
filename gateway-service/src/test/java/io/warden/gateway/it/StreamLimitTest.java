package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
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

    @TestHTTPResource("/mcp/fixture")
    URI endpoint;

    @Test
    void secondConcurrentStreamIsRefusedUntilTheFirstEnds() throws Exception {
        // A 2026-07-28 call streaming progress for minutes; closing it (the modern cancellation) ends it.
        String longCall = Mcp.modernCall(1, "slow_progress", "{\"steps\":1000,\"delayMs\":100}")
                .replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"t1\",");
        HttpResponse<InputStream> stream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(longCall))
                        .header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).header("Content-Type", "application/json")
                        .header("Accept", Mcp.ACCEPT).header("MCP-Protocol-Version", Mcp.MODERN).header("Mcp-Method", "tools/call")
                        .header("Mcp-Name", "slow_progress").build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                RestAssured.get("/q/metrics").asString().contains("warden_streams_active 1.0"));

        Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "slow_progress")
                .body(Mcp.modernCall(2, "slow_progress", "{\"steps\":1,\"delayMs\":10}")
                        .replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"t2\","))
                .post("/mcp/fixture")
                .then().statusCode(503).header("Retry-After", equalTo("5"))
                .body("error.message", containsString("Too many concurrent streams")).body("id", equalTo(2));

        stream.body().close();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                RestAssured.get("/q/metrics").asString().contains("warden_streams_active 0.0"));
    }
}
