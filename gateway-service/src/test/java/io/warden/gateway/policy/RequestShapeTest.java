package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.mcp.JsonRpc;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestShapeTest {

    private static JsonRpc.Message msg(String json) {
        return assertInstanceOf(JsonRpc.Ok.class, JsonRpc.parse(json.getBytes(StandardCharsets.UTF_8))).message();
    }

    private static RequestShape.Refusal check(String json) {
        return RequestShape.check(msg(json));
    }

    @Test
    void aRequestMethodSentAsANotificationIsRefused() {
        RequestShape.Refusal r = check("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\",\"arguments\":{}}}");
        assertEquals(RequestShape.Kind.NOTIFICATION, r.kind());
        assertEquals(JsonRpc.INVALID_REQUEST, r.code());
        assertTrue(r.message().contains("tools/call") && r.message().contains("\"id\""), r.message());
        assertEquals(RequestShape.NOTIFICATION_RULE, r.rule());
        for (String method : new String[] {"resources/read", "prompts/get", "ping", "initialize", "completion/complete", "x/custom"}) {
            assertEquals(RequestShape.Kind.NOTIFICATION, check("{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"}").kind(), method);
        }
    }

    @Test
    void realNotificationsAndResponsesPass() {
        for (String method : new String[] {"notifications/initialized", "notifications/cancelled", "notifications/progress",
                "notifications/roots/list_changed"}) {
            assertNull(check("{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"params\":{}}"), method);
        }
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{\"role\":\"assistant\"}}"));
    }

    @Test
    void toolsCallParamsTheGateCannotJudgeAreRefused() {
        String[] bad = {
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":null}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":[\"delete_account\"]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":{\"0\":\"delete_account\"}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":7}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":null}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":[1]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":\"{}\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":null}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":[\"p\"]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":{\"href\":\"file:///etc\"}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"name\":\"test://static-text\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":1}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/unsubscribe\"}",
        };
        for (String json : bad) {
            RequestShape.Refusal r = check(json);
            assertEquals(RequestShape.Kind.MALFORMED, r == null ? null : r.kind(), json);
            assertEquals(JsonRpc.INVALID_PARAMS, r.code());
            assertTrue(r.message().startsWith("Invalid params: "), r.message());
        }
    }

    @Test
    void wellFormedGovernedRequestsPass() {
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}"));
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{},"
                + "\"_meta\":{\"progressToken\":1}}}"));
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"p\",\"arguments\":{\"a\":\"b\"}}}"));
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-text\"}}"));
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
        // Removed in 2026-07-28: a modern request for it is the upstream's to answer (404 -32601), whatever its params.
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"_meta\":"
                + "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}"));
        assertNull(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"));
    }
}
