package io.warden.gateway.it;

import static io.warden.gateway.it.JavaSdk.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A policy written in PolicyLayer's other forms (action with reason, rate_limit with its window in seconds, a
 * session-scoped limit), enforced for real MCP clients (the official Java SDK) through the gateway.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class PolicyLayerFormsTest {

    @TestHTTPResource("/")
    URI base;

    /** A new client: initialize gives it a session of its own. */
    private McpSyncClient session() {
        return JavaSdk.session(base, GatewayTestBed.POLICYLAYER_TOKEN);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> decision(McpSchema.CallToolResult r) {
        return (Map<String, Object>) r.meta().get("io.warden/decision");
    }

    private static McpSchema.CallToolResult echo(McpSyncClient c, String message) {
        return c.callTool(new McpSchema.CallToolRequest("echo", Map.of("message", message)));
    }

    @Test
    void actionDenyAnswersWithItsReason() {
        try (McpSyncClient c = session()) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 1, "b", 2)));
            assertTrue(r.isError());
            assertEquals("[POLICY DENIED] Adding is done by hand here.", text(r));
            assertEquals("/tools/add/action", decision(r).get("rule"));
        }
    }

    @Test
    void sessionRateLimitCountsEachSessionApartWithItsWindowInSeconds() {
        try (McpSyncClient first = session(); McpSyncClient second = session()) {
            assertEquals("a", text(echo(first, "a")));
            assertEquals("b", text(echo(first, "b")));
            McpSchema.CallToolResult third = echo(first, "c");
            assertTrue(third.isError(), "the first session has spent its 2 calls");
            assertTrue(text(third).startsWith("[POLICY DENIED] Rate limit \"rate_limit:/tools/echo\" reached (2 per hour)"),
                    text(third));
            assertEquals("/tools/echo/rate_limit", decision(third).get("rule"));
            // 2 per 3600 seconds: the next token is about half an hour away (seconds, not milliseconds).
            long retryAfterMs = ((Number) decision(third).get("retryAfterMs")).longValue();
            assertTrue(retryAfterMs > 1_700_000 && retryAfterMs <= 1_800_000, "retryAfterMs " + retryAfterMs);
            // Another session of the same grant has a bucket of its own.
            assertEquals("d", text(echo(second, "d")));
            assertEquals("e", text(echo(second, "e")));
            assertTrue(echo(second, "f").isError());
        }
    }

    @Test
    void rateLimitWithoutScopeCountsForTheWholeGrant() {
        try (McpSyncClient first = session(); McpSyncClient second = session()) {
            McpSchema.CallToolResult ok = first.callTool(new McpSchema.CallToolRequest("test_simple_text", Map.of()));
            assertFalse(Boolean.TRUE.equals(ok.isError()), text(ok));
            McpSchema.CallToolResult denied = second.callTool(new McpSchema.CallToolRequest("test_simple_text", Map.of()));
            assertTrue(denied.isError(), "one call per hour per grant, whatever the session");
            assertEquals("/tools/test_simple_text/rate_limit", decision(denied).get("rule"));
        }
    }

    @Test
    void statelessCallsShareTheGrantsSessionlessBucket() {
        for (int i = 0; i < 2; i++) {
            JsonPath ok = call(i);
            assertEquals("stateless-" + i, ok.getString("result.content[0].text"), ok.prettify());
        }
        JsonPath denied = call(2);
        assertEquals(true, denied.getBoolean("result.isError"));
        assertEquals("/tools/echo/rate_limit", denied.getString("result._meta.'io.warden/decision'.rule"));
    }

    private static JsonPath call(int i) {
        return JsonPath.from(Mcp.modernHeaders(Mcp.client(GatewayTestBed.POLICYLAYER_TOKEN), "tools/call", "echo")
                .body(Mcp.modernCall(i, "echo", "{\"message\":\"stateless-" + i + "\"}")).post("/mcp/fixture")
                .then().extract().asString());
    }
}
