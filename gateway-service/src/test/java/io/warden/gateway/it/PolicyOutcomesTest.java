package io.warden.gateway.it;

import static io.warden.gateway.it.JavaSdk.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Each policy outcome through a real MCP client (the official Java SDK), with the decision it leaves
 * in the decision log: outcome, rule, message, policy id and version, argument keys and digest, never values.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class PolicyOutcomesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    private McpSyncClient client(String token) {
        return JavaSdk.session(base, token);
    }

    /** The decision recorded for the call whose arguments carry {@code marker}, once the log has it. */
    private static JsonNode decision(String grant, String tool, String digestOf) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> find(grant, tool, digestOf), Optional::isPresent).get();
    }

    private static Optional<JsonNode> find(String grant, String tool, String marker) throws IOException {
        if (!Files.exists(GatewayTestBed.decisions)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(GatewayTestBed.decisions);
        for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode e = JSON.readTree(lines.get(i));
            if (e.path("grant_id").asText().equals(grant) && e.path("tool").asText().equals(tool)
                    && e.path("argument_keys").toString().contains(marker)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    @Test
    void allowedCallIsForwardedAndRecordedWithoutArgumentValues() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("echo",
                    Map.of("message", "top-secret-value", "allowedMarker", 1)));
            assertEquals("top-secret-value", text(r));
        }
        JsonNode d = decision("strict", "echo", "allowedMarker");
        assertEquals("allowed", d.get("outcome").asText());
        assertEquals("strict", d.get("policy_id").asText());
        assertFalse(d.get("policy_version").asText().isEmpty());
        assertEquals("[\"allowedMarker\",\"message\"]", d.get("argument_keys").toString());
        assertTrue(d.get("argument_digest").asText().matches("hmac-sha256:[0-9a-f]{64}"), d.toString());
        assertTrue(d.get("argument_digest_key").asText().matches("[0-9a-f]{8}"), d.toString());
        assertTrue(d.get("arguments").isNull());
        assertEquals(200, d.get("upstream_status").asInt());
        assertFalse(d.toString().contains("top-secret-value"), "argument values never reach the log");
    }

    @Test
    void requireFailureDeniesWithItsMessageAndRule() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 1000, "b", 1, "requireMarker", 1)));
            assertTrue(r.isError());
            assertEquals("[POLICY DENIED] a must be below 100.", text(r));
            assertNull(r.structuredContent());
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) r.meta().get("io.warden/decision");
            assertEquals("deny", meta.get("outcome"));
            assertEquals("/tools/add/require/small", meta.get("rule"));
        }
        JsonNode d = decision("strict", "add", "requireMarker");
        assertEquals("denied", d.get("outcome").asText());
        assertEquals("/tools/add/require/small", d.get("rule").asText());
        assertTrue(d.get("upstream_status").isNull(), "a denied call never reaches the upstream");
    }

    @Test
    void denyIfMatchDenies() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "forbidden", "denyIfMarker", 1)));
            assertTrue(r.isError());
            assertEquals("[POLICY DENIED] That message is not allowed.", text(r));
        }
        assertEquals("/tools/echo/deny_if/0", decision("strict", "echo", "denyIfMarker").get("rule").asText());
    }

    @Test
    void unlistedToolIsDefaultDenied() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("test_simple_text", Map.of("defaultMarker", 1)));
            assertTrue(r.isError());
            assertTrue(text(r).startsWith("[POLICY DENIED] "), text(r));
        }
        assertEquals("(default deny)", decision("strict", "test_simple_text", "defaultMarker").get("rule").asText());
    }

    @Test
    void hiddenToolAnswersAsUnknownAndIsRecordedAsHidden() {
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            McpError e = assertThrows(McpError.class,
                    () -> c.callTool(new McpSchema.CallToolRequest("delete_account", Map.of("hiddenMarker", 1))));
            assertEquals(-32602, e.getJsonRpcError().code());
        }
        JsonNode d = decision("strict", "delete_account", "hiddenMarker");
        assertEquals("hidden", d.get("outcome").asText());
        assertEquals("(hidden)", d.get("rule").asText());
    }

    @Test
    void grantWithoutPolicyIsDeniedAndSeesNoTools() {
        try (McpSyncClient c = client(GatewayTestBed.NO_POLICY_TOKEN)) {
            assertTrue(c.listTools().tools().isEmpty());
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "x", "noPolicyMarker", 1)));
            assertTrue(r.isError());
        }
        assertEquals("(no policy)", decision("nopolicy", "echo", "noPolicyMarker").get("rule").asText());
    }

    @Test
    void shadowPolicyAllowsButRecordsWhatWouldHaveDenied() {
        try (McpSyncClient c = client(GatewayTestBed.SHADOW_TOKEN)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", "shadowed", "shadowMarker", 1)));
            assertEquals("shadowed", text(r));
        }
        JsonNode d = decision("shadow", "echo", "shadowMarker");
        assertEquals("allowed", d.get("outcome").asText());
        assertEquals("(default deny)", d.get("shadow").get(0).get("rule").asText());
    }

    @Test
    void listCallableShowsOnlyWhatTheGrantMayCall() {
        try (McpSyncClient c = client(GatewayTestBed.CALLABLE_TOKEN)) {
            List<String> tools = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
            assertEquals(List.of("echo"), tools);
        }
        try (McpSyncClient c = client(GatewayTestBed.STRICT_TOKEN)) {
            List<String> tools = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
            assertTrue(tools.contains("test_simple_text"), "list: all keeps default-denied tools visible");
        }
    }
}
