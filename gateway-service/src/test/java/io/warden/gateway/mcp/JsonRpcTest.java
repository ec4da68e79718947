package io.warden.gateway.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
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

    private static JsonRpc.PlainResult plain(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return JsonRpc.plainResult(b, 0, b.length);
    }

    @Test
    void plainResultsAreScannedWithTheIdTheFullParseGives() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}",
                "{\"result\":{},\"id\":\"a-1\",\"jsonrpc\":\"2.0\"}",
                " {\"jsonrpc\":\"2.0\",\"id\":12345678901,\"result\":[1,2.5,true,null,\"x\"]}\n",
                "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"result\":null}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"method\":\"not top level\",\"error\":1},\"extra\":{\"a\":[{}]}}",
                "{\"jsonrpc\":\"1.0\",\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"caf\u00e9 \\u00e9\",\"result\":{\"t\":\"\\n\\\"\"}}")) {
            JsonRpc.PlainResult p = plain(s);
            JsonRpc.Message full = JsonRpc.parseUpstream(s);
            assertNotNull(p, s);
            assertNotNull(full, s);
            assertTrue(full.isResponse(), s);
            assertEquals(full.id(), p.id(), s);
            assertEquals(p.id(), JsonRpc.plainResult(s).id(), "the SSE (string) form agrees: " + s);
        }
    }

    @Test
    void anythingButAPlainResultIsLeftToTheFullParse() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"Unknown tool\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":null}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1}",
                "{\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":2.0,\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"unterminated}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing",
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]",
                "\"just a string\"",
                "",
                "not json")) {
            assertNull(plain(s), s);
            assertNull(JsonRpc.plainResult(s), s);
        }
    }

    @Test
    void onlyUtf8TextIsScanned() {
        String s = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
        byte[] bom = ("\uFEFF" + s).getBytes(StandardCharsets.UTF_8);
        byte[] utf16 = s.getBytes(StandardCharsets.UTF_16LE);
        assertNull(JsonRpc.plainResult(bom, 0, bom.length), "a byte-order mark is not JSON text read as UTF-8");
        assertNull(JsonRpc.plainResult(utf16, 0, utf16.length), "UTF-16 is not UTF-8");
        byte[] padded = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
        assertNotNull(JsonRpc.plainResult(padded, 2, s.length()), "an offset and length select the message");
    }

    @Test
    void base64HeaderSentinelIsDecoded() {
        assertEquals("caf\u00e9", Protocol.decodeHeader("=?base64?Y2Fmw6k=?="));
        assertEquals("plain", Protocol.decodeHeader("plain"));
    }
}
