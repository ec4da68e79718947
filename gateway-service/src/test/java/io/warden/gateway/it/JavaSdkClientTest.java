package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The official Java MCP SDK client, through the gateway, against the official TypeScript SDK fixture server. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class JavaSdkClientTest {

    @TestHTTPResource("/")
    URI base;

    private McpSyncClient client(String token, Consumer<McpSchema.ProgressNotification> progress) {
        var transport = HttpClientStreamableHttpTransport.builder(base.toString())
                .endpoint("/mcp/fixture")
                .requestBuilder(HttpRequest.newBuilder()
                        .header("Authorization", "Bearer " + token).header("Cookie", "session=client-cookie"))
                .build();
        var spec = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20));
        if (progress != null) {
            spec.progressConsumer(progress);
        }
        McpSyncClient c = spec.build();
        c.initialize();
        return c;
    }

    @Test
    void listsCallsAndReadsThroughTheGateway() {
        try (McpSyncClient c = client(GatewayTestBed.ALLOW_TOKEN, null)) {
            List<String> tools = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
            assertTrue(tools.contains("echo") && tools.contains("delete_account"), tools.toString());
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "through warden")));
            assertFalse(Boolean.TRUE.equals(r.isError()));
            assertEquals("through warden", ((McpSchema.TextContent) r.content().get(0)).text());
            McpSchema.ReadResourceResult res = c.readResource(new McpSchema.ReadResourceRequest("test://static-text"));
            assertFalse(res.contents().isEmpty());
        }
    }

    @Test
    void upstreamNeverSeesTheClientsAuthorizationOrCookieButGetsItsOwnHeader() {
        try (McpSyncClient c = client(GatewayTestBed.ALLOW_TOKEN, null)) {
            c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "headers")));
        }
        Map<String, String> seen = GatewayTestBed.fixture.lastHeaders();
        assertNull(seen.get("authorization"), seen.toString());
        assertNull(seen.get("cookie"), seen.toString());
        assertEquals("upstream-secret", seen.get("x-upstream-key"));
    }

    @Test
    void progressArrivesBeforeTheResultWithAMeasurableGap() {
        List<Long> progressAt = new CopyOnWriteArrayList<>();
        try (McpSyncClient c = client(GatewayTestBed.ALLOW_TOKEN, p -> progressAt.add(System.nanoTime()))) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("slow_progress",
                    Map.of("steps", 3, "delayMs", 800), Map.of("progressToken", "p-1")));
            long doneAt = System.nanoTime();
            assertFalse(Boolean.TRUE.equals(r.isError()));
            // The SDK runs progress consumers on another thread (Reactor's boundedElastic), so the last one, sent
            // right before the result, may land just after callTool returned: wait for it rather than race it.
            await().atMost(Duration.ofSeconds(5)).until(() -> progressAt.size() == 3);
            // Relayed event by event: the first progress came about two steps (1.6 s) before the result; a
            // buffering relay would deliver it with the result. One step of margin absorbs a loaded machine.
            assertTrue(doneAt - progressAt.get(0) >= Duration.ofMillis(800).toNanos(),
                    "first progress only " + (doneAt - progressAt.get(0)) / 1_000_000 + " ms before the result");
        }
    }

    @Test
    void hiddenToolIsAbsentAndUncallableAndDeniedCallsNeverReachTheUpstream() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN, null)) {
            List<String> tools = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
            assertFalse(tools.contains("delete_account"), tools.toString());
            assertTrue(tools.contains("echo"));

            int before = GatewayTestBed.fixture.calls().getOrDefault("delete_account", 0);
            McpError hidden = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("delete_account", Map.of())));
            assertEquals(-32602, hidden.getJsonRpcError().code());
            assertEquals("Unknown tool: delete_account", hidden.getJsonRpcError().message());

            int addsBefore = GatewayTestBed.fixture.calls().getOrDefault("add", 0);
            McpSchema.CallToolResult denied = c.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 500, "b", 1)));
            assertTrue(denied.isError());
            assertEquals("[POLICY DENIED] a must be below 100.", ((McpSchema.TextContent) denied.content().get(0)).text());
            assertNull(denied.structuredContent());

            assertEquals(before, GatewayTestBed.fixture.calls().getOrDefault("delete_account", 0));
            assertEquals(addsBefore, GatewayTestBed.fixture.calls().getOrDefault("add", 0));
        }
    }
}
