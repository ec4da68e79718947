package io.warden.gateway.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.bridge.EraTranslation.BridgedClient;
import io.warden.gateway.mcp.JsonRpc;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EraTranslationTest {

    private static ObjectNode json(String s) {
        try {
            return (ObjectNode) JsonRpc.MAPPER.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonRpc.Message message(String s) {
        return ((JsonRpc.Ok) JsonRpc.parse(s.getBytes(StandardCharsets.UTF_8))).message();
    }

    @Test
    void negotiatesTheClientsVersionWhenKnownElseTheNewestLegacy() {
        assertEquals("2025-06-18", EraTranslation.negotiateLegacy("2025-06-18"));
        assertEquals("2024-11-05", EraTranslation.negotiateLegacy("2024-11-05"));
        assertEquals("2025-11-25", EraTranslation.negotiateLegacy("2030-01-01"));
        assertEquals("2025-11-25", EraTranslation.negotiateLegacy("2026-07-28"));
        assertEquals("2025-11-25", EraTranslation.negotiateLegacy(null));
    }

    @Test
    void initializeIsAnsweredFromDiscoverWithoutPromisesTheBridgeCannotKeep() {
        ObjectNode discover = json("""
                {"supportedVersions":["2026-07-28"],"capabilities":{"tools":{"listChanged":true},
                 "resources":{"subscribe":true,"listChanged":true},"logging":{}},
                 "instructions":"Use me","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up","version":"2"}}}""");
        ObjectNode r = EraTranslation.initializeResult(discover, "2025-06-18");
        assertEquals("2025-06-18", r.path("protocolVersion").asText());
        assertEquals("up", r.path("serverInfo").path("name").asText());
        assertEquals("Use me", r.path("instructions").asText());
        assertTrue(r.path("capabilities").has("tools"));
        assertFalse(r.path("capabilities").path("tools").has("listChanged"));
        assertFalse(r.path("capabilities").path("resources").has("subscribe"));
        assertTrue(r.path("capabilities").has("logging"));
        // The upstream's discover result is untouched.
        assertTrue(discover.path("capabilities").path("tools").path("listChanged").asBoolean());
        // serverInfo may also sit at the top level; without any, a placeholder keeps the result valid.
        assertEquals("top", EraTranslation.initializeResult(json("{\"serverInfo\":{\"name\":\"top\",\"version\":\"1\"}}"),
                "2025-11-25").path("serverInfo").path("name").asText());
        assertEquals("upstream", EraTranslation.initializeResult(null, "2025-11-25").path("serverInfo").path("name").asText());
    }

    @Test
    void aLegacyRequestGetsTheModernEnvelopeAndHeaders() {
        JsonRpc.Message m = message("""
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"},
                 "_meta":{"progressToken":"p1"}}}""");
        BridgedClient client = BridgedClient.of(json("{\"capabilities\":{\"sampling\":{}},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}"));
        ObjectNode modern = EraTranslation.toModern(m.raw(), client);
        JsonNode meta = modern.path("params").path("_meta");
        assertEquals("2026-07-28", meta.path("io.modelcontextprotocol/protocolVersion").asText());
        assertTrue(meta.path("io.modelcontextprotocol/clientCapabilities").has("sampling"));
        assertEquals("c", meta.path("io.modelcontextprotocol/clientInfo").path("name").asText());
        assertEquals("p1", meta.path("progressToken").asText());
        assertEquals("debug", meta.path("io.modelcontextprotocol/logLevel").asText(), "legacy servers log unless told not to");
        assertEquals(7, modern.path("id").asInt());
        assertFalse(m.raw().path("params").path("_meta").has("io.modelcontextprotocol/protocolVersion"), "the original stays");

        assertEquals(Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "echo"),
                EraTranslation.modernHeaders(m));
        JsonNode noParams = EraTranslation.toModern(message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").raw(),
                BridgedClient.of(null)).path("params").path("_meta");
        assertTrue(noParams.path("io.modelcontextprotocol/clientCapabilities").isObject());
    }

    @Test
    void headerValuesThatAreNotSafeAsciiUseTheBase64Sentinel() {
        assertEquals("echo", EraTranslation.headerValue("echo"));
        assertEquals("=?base64?w6ljaG8=?=", EraTranslation.headerValue("écho"));
        assertTrue(EraTranslation.headerValue(" padded").startsWith("=?base64?"));
    }

    @Test
    void argumentsDeclaredAsHeadersBecomeMcpParamHeaders() {
        ObjectNode list = json("""
                {"tools":[{"name":"region_echo","inputSchema":{"type":"object","properties":{
                  "region":{"type":"string","x-mcp-header":"Region"},"note":{"type":"string"}}}},
                 {"name":"plain","inputSchema":{"type":"object"}}]}""");
        Map<String, Map<String, String>> declared = EraTranslation.declaredParamHeaders(list);
        assertEquals(Map.of("region", "Region"), declared.get("region_echo"));
        assertEquals(Map.of(), declared.get("plain"));
        assertEquals(Map.of("Mcp-Param-Region", "eu-west"),
                EraTranslation.paramHeaders(declared.get("region_echo"), json("{\"region\":\"eu-west\",\"note\":\"n\"}")));
        assertEquals(Map.of("Mcp-Param-Region", "=?base64?w6l1?="),
                EraTranslation.paramHeaders(declared.get("region_echo"), json("{\"region\":\"éu\"}")));
        assertEquals(Map.of(), EraTranslation.paramHeaders(declared.get("region_echo"), json("{\"region\":{\"nested\":1}}")));
    }

    @Test
    void removedLegacyMethodsAreAnsweredLocally() {
        assertNotNull(EraTranslation.localLegacyAnswer(message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")));
        assertTrue(EraTranslation.localLegacyAnswer(message(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"info\"}}"))
                .path("result").isEmpty());
        assertNull(EraTranslation.localLegacyAnswer(message("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}")));
        assertNull(EraTranslation.localLegacyAnswer(message("{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}")), "not a request");
    }

    @Test
    void anInputRequiredResultBecomesAnErrorForALegacyClient() {
        ObjectNode r = json("{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"resultType\":\"input_required\",\"inputRequests\":{}}}");
        assertTrue(EraTranslation.toLegacyResponse(r));
        assertFalse(r.has("result"));
        assertEquals(JsonRpc.INTERNAL_ERROR, r.path("error").path("code").asInt());
        assertTrue(r.path("error").path("message").asText().contains("input_required"));
        assertEquals(4, r.path("id").asInt());

        ObjectNode done = json("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"resultType\":\"complete\",\"content\":[]}}");
        assertTrue(EraTranslation.toLegacyResponse(done));
        assertFalse(done.path("result").has("resultType"));
        assertFalse(EraTranslation.toLegacyResponse(json("{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":1,\"message\":\"x\"}}")));
    }

    @Test
    void theBridgedClientTravelsInTheSessionTokenAndStaysSmall() {
        BridgedClient c = BridgedClient.of(json("{\"capabilities\":{\"roots\":{\"listChanged\":true}},\"clientInfo\":{\"name\":\"n\",\"version\":\"v\"}}"));
        String marker = c.marker();
        assertTrue(marker.startsWith(EraTranslation.BRIDGED_PREFIX));
        BridgedClient back = BridgedClient.fromMarker(marker);
        assertEquals(c.capabilities(), back.capabilities());
        assertEquals(c.clientInfo(), back.clientInfo());
        assertNull(BridgedClient.fromMarker("3f1c-upstream-session"));
        assertNull(BridgedClient.fromMarker(null));

        ObjectNode big = json("{\"capabilities\":{\"experimental\":{\"x\":\"" + "y".repeat(2000) + "\"},\"sampling\":{}},"
                + "\"clientInfo\":{\"name\":\"n\",\"version\":\"v\",\"description\":\"" + "z".repeat(2000) + "\"}}");
        String small = BridgedClient.of(big).marker();
        assertTrue(small.getBytes(StandardCharsets.UTF_8).length < 1024, small);
        BridgedClient trimmed = BridgedClient.fromMarker(small);
        assertTrue(trimmed.capabilities().has("sampling") && trimmed.capabilities().has("experimental"));
        assertEquals("n", trimmed.clientInfo().path("name").asText());
    }

    @Test
    void aModernRequestLosesOnlyTheEnvelopeForALegacyUpstream() {
        ObjectNode req = json("""
                {"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},
                 "io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/logLevel":"info",
                 "progressToken":9}}}""");
        ObjectNode legacy = EraTranslation.toLegacy(req);
        assertEquals(9, legacy.path("params").path("_meta").path("progressToken").asInt());
        assertEquals(1, legacy.path("params").path("_meta").size());
        ObjectNode bare = EraTranslation.toLegacy(json("""
                {"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"""));
        assertFalse(bare.path("params").has("_meta"));
        assertTrue(req.path("params").path("_meta").has("io.modelcontextprotocol/protocolVersion"), "the original stays");
    }

    @Test
    void discoverIsAnsweredFromTheLegacyInitializeResult() {
        ObjectNode init = json("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},"
                + "\"serverInfo\":{\"name\":\"old\",\"version\":\"1\"},\"instructions\":\"hi\"}");
        ObjectNode d = EraTranslation.discoverResult(init);
        assertEquals("complete", d.path("resultType").asText());
        assertEquals("2026-07-28", d.path("supportedVersions").path(0).asText());
        assertEquals("old", d.path("serverInfo").path("name").asText());
        assertEquals("old", d.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText());
        assertEquals("hi", d.path("instructions").asText());
        assertEquals(0, d.path("ttlMs").asInt(-1));
        assertEquals("private", d.path("cacheScope").asText());
        ObjectNode watching = json("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{\"listChanged\":true}}}");
        assertFalse(EraTranslation.discoverResult(watching).path("capabilities").path("tools").has("listChanged"),
                "no stream carries change notifications across the bridge");
    }

    @Test
    void aModernRequestALegacyUpstreamCannotJudgeIsRefusedInTheModernWay() {
        JsonRpc.Message noMeta = message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertEquals(400, EraTranslation.modernRequestProblem(noMeta).httpStatus());
        assertEquals(JsonRpc.INVALID_PARAMS, EraTranslation.modernRequestProblem(noMeta).error().path("error").path("code").asInt());
        JsonRpc.Message future = message("""
                {"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        JsonRpc.Bad unsupported = EraTranslation.modernRequestProblem(future);
        assertEquals(400, unsupported.httpStatus());
        assertEquals(JsonRpc.UNSUPPORTED_VERSION, unsupported.error().path("error").path("code").asInt());
        assertEquals("2026-07-28", unsupported.error().path("error").path("data").path("supported").path(0).asText());
        assertEquals("2099-01-01", unsupported.error().path("error").path("data").path("requested").asText());
        JsonRpc.Message noCaps = message("""
                {"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}""");
        assertEquals(JsonRpc.INVALID_PARAMS, EraTranslation.modernRequestProblem(noCaps).error().path("error").path("code").asInt());
        JsonRpc.Message ping = message("""
                {"jsonrpc":"2.0","id":4,"method":"ping","params":{"_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        assertEquals(404, EraTranslation.modernRequestProblem(ping).httpStatus());
        assertEquals(JsonRpc.METHOD_NOT_FOUND, EraTranslation.modernRequestProblem(ping).error().path("error").path("code").asInt());
        JsonRpc.Message fine = message("""
                {"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{
                 "io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        assertNull(EraTranslation.modernRequestProblem(fine));
    }

    @Test
    void legacyResultsGetTheModernShape() {
        ObjectNode list = json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}");
        assertTrue(EraTranslation.toModernResponse(list, "tools/list"));
        assertEquals("complete", list.path("result").path("resultType").asText());
        assertEquals("private", list.path("result").path("cacheScope").asText());
        ObjectNode call = json("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[]}}");
        assertTrue(EraTranslation.toModernResponse(call, "tools/call"));
        assertFalse(call.path("result").has("ttlMs"));
        assertFalse(EraTranslation.toModernResponse(json("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-1,\"message\":\"x\"}}"),
                "tools/call"));
    }
}
