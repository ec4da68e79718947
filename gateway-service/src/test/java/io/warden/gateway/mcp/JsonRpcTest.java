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

    private static String message(JsonRpc.Parsed p) {
        return assertInstanceOf(JsonRpc.Bad.class, p).error().get("error").get("message").asText();
    }

    @Test
    void aKeyGivenTwiceAtAnyDepthIsAParseErrorNamingTheKey() {
        JsonRpc.Bad top = assertInstanceOf(JsonRpc.Bad.class,
                parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/call\"}"));
        assertEquals(400, top.httpStatus());
        assertEquals(JsonRpc.PARSE_ERROR, top.error().get("error").get("code").asInt());
        assertEquals("Parse error: duplicate key \"method\"", top.error().get("error").get("message").asText());
        assertEquals("Parse error: duplicate key \"name\"", message(parse(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"name\":\"delete_account\"}}")));
        assertEquals("Parse error: duplicate key \"path\"", message(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"echo\",\"arguments\":{\"deep\":[{\"path\":\"/tmp\",\"path\":\"/etc\"}]}}}")));
        // The same key spelled with an escape is the same key.
        assertEquals("Parse error: duplicate key \"name\"", message(parse(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"na\\u006de\":\"x\"}}")));
    }

    @Test
    void contentAfterTheValueIsAParseError() {
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        assertEquals("Parse error: trailing content after the JSON value", message(parse(ping + "{\"jsonrpc\":\"2.0\"}")));
        assertEquals("Parse error: trailing content after the JSON value", message(parse(ping + " x")));
        assertEquals("Parse error: trailing content after the JSON value", message(parse(ping + "]")));
        assertEquals(JsonRpc.PARSE_ERROR, code(parse(ping + "\"tail\"")));
        assertInstanceOf(JsonRpc.Ok.class, parse(" \n" + ping + " \r\n\t "));
    }

    @Test
    void onlyUtf8WithoutAByteOrderMarkIsRead() {
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
        assertEquals(JsonRpc.PARSE_ERROR, code(JsonRpc.parse(ping.getBytes(StandardCharsets.UTF_16BE))));
        assertEquals(JsonRpc.PARSE_ERROR, code(JsonRpc.parse(ping.getBytes(StandardCharsets.UTF_16LE))));
        byte[] bom = ("\uFEFF" + ping).getBytes(StandardCharsets.UTF_8);
        assertEquals(JsonRpc.PARSE_ERROR, code(JsonRpc.parse(bom)));
        assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"caf\u00e9\"}}"));
    }

    @Test
    void aClientMessageHasOneReading() {
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"result\":{}}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"error\":{}}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"result\":{}}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/call\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"tools/list\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740993,\"method\":\"tools/list\"}")));
        assertEquals(JsonRpc.INVALID_REQUEST, code(parse("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"ping\"}")));
        assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"method\":\"tools/list\"}"));
        assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"id\":\"9007199254740993\",\"method\":\"tools/list\"}"));
        // An answer to a server request (sampling, elicitation) still passes.
        assertTrue(assertInstanceOf(JsonRpc.Ok.class, parse("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":{\"code\":-1,\"message\":\"no\"}}"))
                .message().isResponse());
    }

    @Test
    void upstreamMessagesAreReadAsBefore() {
        // Lenient on purpose: the relay passes what it cannot parse, and upstream answers are not judged against a body.
        assertEquals("b", JsonRpc.parseUpstream("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"a\",\"a\":\"b\"}}")
                .raw().get("result").get("a").asText());
    }

    @Test
    void base64HeaderSentinelIsDecoded() {
        assertEquals("caf\u00e9", Protocol.decodeHeader("=?base64?Y2Fmw6k=?="));
        assertEquals("plain", Protocol.decodeHeader("plain"));
    }
}
