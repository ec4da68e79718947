package io.warden.gateway.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonRpcTest {

    private static JsonRpc.Parsed parse(String s) {
        return JsonRpc.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static int code(JsonRpc.Parsed p) {
        return assertInstanceOf(JsonRpc.Bad.class, p).error().get("error").get("code").asInt();
    }

    @Test
    void malformedJsonIsAParseError() {
        assertEquals(JsonRpc.PARSE_ERROR, code(parse("{\"jsonrpc\":")));
        assertEquals(JsonRpc.PARSE_ERROR, code(parse("")));
    }

    @Test
    void batchesAreRefusedClearly() {
        JsonRpc.Bad bad = assertInstanceOf(JsonRpc.Bad.class, parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]"));
        assertEquals(400, bad.httpStatus());
        assertTrue(bad.error().get("error").get("message").asText().contains("batch"));
    }

    @Test
    void envelopeRulesAreChecked() {
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"id\":1,\"method\":\"ping\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("42")));
    }

    @Test
    void errorsKeepTheRequestId() {
        JsonRpc.Bad bad = assertInstanceOf(JsonRpc.Bad.class, parse("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}"));
        assertEquals(7, bad.error().get("id").asInt());
    }

    @Test
    void requestsNotificationsAndResponsesAreTold() {
        JsonRpc.Message req = assertInstanceOf(JsonRpc.Ok.class,
                parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}")).message();
        assertTrue(req.isRequest());
        assertEquals("echo", req.target());
        assertTrue(assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .message().isNotification());
        assertTrue(assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}")).message().isResponse());
    }

    @Test
    void base64HeaderSentinelIsDecoded() {
        assertEquals("caf\u00e9", Protocol.decodeHeader("=?base64?Y2Fmw6k=?="));
        assertEquals("plain", Protocol.decodeHeader("plain"));
    }
}
