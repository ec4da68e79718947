package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Ways around the gate, tried as a client that wants to run a tool the policy hides, on every transport and era the
 * gateway serves: a {@code tools/call} sent as a notification, params the gate cannot judge, a body two parsers read
 * differently (a key given twice, content after the value), a response that also names a method. Each is refused with
 * a clear JSON-RPC error, recorded where the gate judged it, and never reaches the upstream: the fixture's request log
 * shows what arrived.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class GateBypassTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

    @TestHTTPResource("/")
    URI base;

    // ---- the attempts ---------------------------------------------------------------------------

    static String notificationCall(String marker) {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\",\"arguments\":{\""
                + marker + "\":1}}}";
    }

    static String nameNotAString(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":[\"delete_account\"],"
                + "\"arguments\":{}}}";
    }

    static String argumentsNotAnObject(int id, boolean modern) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                + "\"arguments\":[\"delete_account\"]" + (modern ? "," + META : "") + "}}";
    }

    static String duplicateName(int id, boolean modern) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\","
                + "\"name\":\"echo\",\"arguments\":{}" + (modern ? "," + META : "") + "}}";
    }

    static String trailingCall(int id, boolean modern) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
                + "{\"message\":\"hi\"}" + (modern ? "," + META : "") + "}}"
                + "{\"jsonrpc\":\"2.0\",\"id\":" + (id + 1) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\"}}";
    }

    static String responseWithAMethod(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\"},"
                + "\"result\":{}}";
    }

    static String modernMarker(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/list\",\"params\":{" + META + "}}";
    }

    private static Map<String, String> modernHeaders(String method, String name) {
        return name == null ? Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method)
                : Map.of("MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method, "Mcp-Name", name);
    }

    // ---- what must hold -------------------------------------------------------------------------

    private static void refused(RawMcpClient.Exchange ex, int status, int code, String text) {
        assertEquals(status, ex.status(), ex.body());
        JsonNode error = ex.response().path("error");
        assertEquals(code, error.path("code").asInt(), ex.body());
        assertTrue(error.path("message").asText().contains(text), ex.body());
    }

    /**
     * How many governed calls ({@code tools/call}, {@code prompts/get}, {@code resources/read}) reached {@code upstream}
     * since its reset: the well-formed ones only.
     */
    private static void toolCallsReached(NodeMcpServer upstream, int expected) {
        List<NodeMcpServer.Request> seen = upstream.requests();
        List<String> governed = List.of("tools/call", "prompts/get", "resources/read");
        assertEquals(expected, seen.stream().filter(r -> r.method() != null && governed.contains(r.method())).count(),
                seen.toString());
    }

    /** The decision recorded for an attempt: the grant, its rule, and an argument key only that attempt carried. */
    private static JsonNode decision(String grant, String rule, String marker) {
        return await().atMost(WAIT).until(() -> find(grant, rule, marker), Optional::isPresent).get();
    }

    private static Optional<JsonNode> find(String grant, String rule, String marker) throws IOException {
        if (!Files.exists(GatewayTestBed.decisions)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(GatewayTestBed.decisions)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("grant_id").asText().equals(grant) && e.path("rule").asText().equals(rule)
                    && (marker == null || e.path("argument_keys").toString().contains(marker))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private RawMcpClient client(String server, String token) {
        return new RawMcpClient(base.resolve("mcp/" + server).toString()).header("Authorization", "Bearer " + token);
    }

    /** The legacy-era attempts on one route; the client is initialized. */
    private void legacyAttempts(RawMcpClient c, String grant, String marker) {
        refused(c.post(notificationCall(marker), Map.of()), 400, -32600, "must be sent as a request with an \"id\"");
        assertTrue(c.post(notificationCall(marker), Map.of()).response().path("id").isNull());
        refused(c.post(nameNotAString(11), Map.of()), 200, -32602, "params.name must be a string");
        assertEquals(11, c.post(nameNotAString(11), Map.of()).response().path("id").asInt());
        refused(c.post(argumentsNotAnObject(12, false), Map.of()), 200, -32602, "params.arguments must be an object");
        refused(c.post(duplicateName(13, false), Map.of()), 400, -32700, "duplicate key \"name\"");
        refused(c.post(trailingCall(14, false), Map.of()), 400, -32700, "trailing content");
        refused(c.post(responseWithAMethod(15), Map.of()), 400, -32600, "cannot also carry");
        refused(c.post("{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"resources/read\",\"params\":{\"uri\":{\"href\":"
                + "\"test://static-text\"}}}", Map.of()), 200, -32602, "params.uri must be a string");
        refused(c.post("{\"jsonrpc\":\"2.0\",\"id\":19,\"method\":\"prompts/get\",\"params\":{\"name\":[\"test_simple_prompt\"]}}",
                Map.of()), 200, -32602, "params.name must be a string");
        JsonNode d = decision(grant, "(request sent as notification)", marker);
        assertEquals("denied", d.path("outcome").asText());
        assertEquals("tools/call", d.path("method").asText());
        assertEquals("delete_account", d.path("tool").asText());
        assertTrue(d.path("upstream_status").isNull(), d.toString());
        assertEquals("denied", decision(grant, "(malformed params)", null).path("outcome").asText());
    }

    // ---- 2025-era Streamable HTTP, and the era bridges for legacy clients ------------------------

    @Test
    void legacyClientDirect() {
        GatewayTestBed.fixture.reset();
        RawMcpClient c = client("fixture", GatewayTestBed.STRICT_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        legacyAttempts(c, "strict", "legacyDirectMarker");
        // Routing headers are optional before 2026-07-28, but when sent they travel: they must agree with the body too.
        refused(c.post(Mcp.legacyCall(16, "delete_account", "{}"), Map.of("Mcp-Method", "tools/call", "Mcp-Name", "echo")),
                400, -32020, "Mcp-Name");
        refused(c.post(Mcp.legacyCall(17, "echo", "{}"), Map.of("Mcp-Method", "tools/list")), 400, -32020, "Mcp-Method");
        // An id a JavaScript upstream reads as another number: its answer would not match the request, and pass unfiltered.
        RawMcpClient.Exchange bigId = c.post("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"tools/list\"}", Map.of());
        assertFalse(bigId.body().contains("delete_account"), bigId.body());
        refused(bigId, 400, -32600, "2^53");
        assertEquals("hi", c.callTool("echo", Map.of("message", "hi")).result().path("content").path(0).path("text").asText());
        toolCallsReached(GatewayTestBed.fixture, 1);
    }

    @Test
    void legacyClientThroughTheBridgeToAModernOnlyUpstream() {
        GatewayTestBed.modernOnly.reset();
        RawMcpClient c = client("modern-only", GatewayTestBed.ERA_MODERN_STRICT_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        legacyAttempts(c, "era-modern-strict", "legacyToModernMarker");
        toolCallsReached(GatewayTestBed.modernOnly, 0);
    }

    @Test
    void legacyClientThroughTheBridgeToAnHttpSseOnlyUpstream() {
        GatewayTestBed.sseOnly.reset();
        RawMcpClient c = client("sse-only", GatewayTestBed.ERA_SSE_STRICT_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        legacyAttempts(c, "era-sse-strict", "legacyToSseMarker");
        toolCallsReached(GatewayTestBed.sseOnly, 0);
    }

    // ---- 2026-07-28, direct and through the bridge to a legacy-only upstream ---------------------

    private void modernAttempts(RawMcpClient c, String grant, String marker) {
        String notification = "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\","
                + "\"arguments\":{\"" + marker + "\":1}," + META + "}}";
        RawMcpClient.Exchange n = c.post(notification, modernHeaders("tools/call", "delete_account"));
        refused(n, 400, -32600, "must be sent as a request with an \"id\"");
        assertTrue(n.response().path("id").isNull());
        refused(c.post(argumentsNotAnObject(21, true), modernHeaders("tools/call", "echo")), 400, -32602,
                "params.arguments must be an object");
        // A name that is not a string cannot agree with Mcp-Name: refused before the gate, as a header mismatch.
        refused(c.post(nameNotAString(22).replace("\"arguments\":{}", "\"arguments\":{}," + META),
                modernHeaders("tools/call", "delete_account")), 400, -32020, "Mcp-Name");
        refused(c.post(duplicateName(23, true), modernHeaders("tools/call", "echo")), 400, -32700, "duplicate key \"name\"");
        refused(c.post(trailingCall(24, true), modernHeaders("tools/call", "echo")), 400, -32700, "trailing content");
        refused(c.post("{\"jsonrpc\":\"2.0\",\"id\":28,\"method\":\"prompts/get\",\"params\":{\"name\":\"test_simple_prompt\","
                + "\"arguments\":\"all\"," + META + "}}", modernHeaders("prompts/get", "test_simple_prompt")), 400, -32602,
                "params.arguments must be an object");
        assertEquals(200, c.post(modernMarker(25), modernHeaders("tools/list", null)).status());
        JsonNode d = decision(grant, "(request sent as notification)", marker);
        assertEquals("modern", d.path("era").asText());
        assertEquals("denied", decision(grant, "(malformed params)", null).path("outcome").asText());
    }

    @Test
    void modernClientDirect() throws Exception {
        GatewayTestBed.fixture.reset();
        RawMcpClient c = client("fixture", GatewayTestBed.STRICT_TOKEN);
        modernAttempts(c, "strict", "modernDirectMarker");
        // A _meta version makes a request modern; one that names another revision is not a way around the era's rules.
        String legacyVersionInMeta = Mcp.modernCall(26, "echo", "{}").replace("2026-07-28", "2025-06-18");
        refused(c.post(legacyVersionInMeta, Map.of("MCP-Protocol-Version", "2025-06-18", "Mcp-Method", "tools/call",
                "Mcp-Name", "echo")), 400, -32022, "Unsupported protocol version");
        toolCallsReached(GatewayTestBed.fixture, 0);

        // A routing header given twice (two header lines, over a raw socket): the gateway checks the first, and only
        // the first travels upstream.
        String body = Mcp.modernCall(27, "echo", "{\"message\":\"once\"}");
        String status = rawPost("/mcp/fixture", List.of("Authorization: Bearer " + GatewayTestBed.STRICT_TOKEN,
                "Content-Type: application/json", "Accept: " + Mcp.ACCEPT, "MCP-Protocol-Version: 2026-07-28",
                "Mcp-Method: tools/call", "Mcp-Name: echo", "Mcp-Name: delete_account"), body);
        assertTrue(status.startsWith("HTTP/1.1 200"), status);
        assertEquals("echo", GatewayTestBed.fixture.lastHeaders().get("mcp-name"));
    }

    @Test
    void modernClientThroughTheBridgeToALegacyOnlyUpstream() {
        GatewayTestBed.legacyOnly.reset();
        modernAttempts(client("legacy-only", GatewayTestBed.ERA_LEGACY_STRICT_TOKEN), "era-legacy-strict", "modernToLegacyMarker");
        toolCallsReached(GatewayTestBed.legacyOnly, 0);
    }

    /** One HTTP/1.1 POST written by hand, so that header lines go exactly as given; returns the status line. */
    private String rawPost(String path, List<String> headers, String body) throws IOException {
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(20_000);
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nConnection: close\r\nContent-Length: " + bytes.length + "\r\n");
            headers.forEach(h -> req.append(h).append("\r\n"));
            req.append("\r\n");
            socket.getOutputStream().write(req.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return answer.lines().findFirst().orElse("") + " " + answer.substring(answer.indexOf("\r\n\r\n") + 4);
        }
    }

    // ---- the HTTP+SSE transport (2024-11-05) the gateway serves to old clients --------------------

    /** An open {@code GET /mcp/fixture/sse}: its lines as they arrive. */
    private final class Stream {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Stream(String token) {
            HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(base.resolve("/mcp/fixture/sse"))
                            .header("Authorization", "Bearer " + token)
                            .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(r -> r.body().forEach(lines::add));
            await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: /mcp/fixture/messages")));
        }

        String endpoint() {
            return lines.stream().filter(l -> l.startsWith("data: /mcp/")).findFirst().orElseThrow().substring(6);
        }

        /** The message on the stream answering {@code id}. */
        JsonNode answer(int id) {
            return await().atMost(WAIT).until(() -> lines.stream().filter(l -> l.startsWith("data: {"))
                    .map(l -> {
                        try {
                            return JSON.readTree(l.substring(6));
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .filter(m -> m.path("id").asInt(-1) == id && (m.has("result") || m.has("error"))).findFirst(),
                    Optional::isPresent).get();
        }
    }

    private static Response post(String path, String body) {
        return given().header("Authorization", "Bearer " + GatewayTestBed.STRICT_TOKEN).contentType("application/json")
                .body(body).post(path);
    }

    @Test
    void httpSseClient() {
        GatewayTestBed.fixture.reset();
        Stream s = new Stream(GatewayTestBed.STRICT_TOKEN);
        post(s.endpoint(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2024-11-05\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"bypass\",\"version\":\"1\"}}}").then().statusCode(202);
        s.answer(1);
        post(s.endpoint(), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").then().statusCode(202);

        Response n = post(s.endpoint(), notificationCall("httpSseMarker"));
        assertEquals(400, n.statusCode(), n.asString());
        assertEquals(-32600, n.jsonPath().getInt("error.code"));
        post(s.endpoint(), duplicateName(31, false)).then().statusCode(400);
        assertTrue(post(s.endpoint(), duplicateName(31, false)).asString().contains("duplicate key"));
        assertTrue(post(s.endpoint(), trailingCall(32, false)).asString().contains("trailing content"));
        post(s.endpoint(), responseWithAMethod(33)).then().statusCode(400);
        given().header("Authorization", "Bearer " + GatewayTestBed.STRICT_TOKEN).header("Mcp-Name", "echo")
                .contentType("application/json").body(Mcp.legacyCall(36, "delete_account", "{}")).post(s.endpoint())
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo(-32020));

        post(s.endpoint(), nameNotAString(34)).then().statusCode(202);
        JsonNode malformed = s.answer(34);
        assertEquals(-32602, malformed.path("error").path("code").asInt(), malformed.toString());
        assertTrue(malformed.path("error").path("message").asText().contains("params.name must be a string"), malformed.toString());
        post(s.endpoint(), "{\"jsonrpc\":\"2.0\",\"id\":35,\"method\":\"tools/list\"}").then().statusCode(202);
        s.answer(35);

        JsonNode d = decision("strict", "(request sent as notification)", "httpSseMarker");
        assertEquals("http+sse", d.path("era").asText());
        toolCallsReached(GatewayTestBed.fixture, 0);
        assertFalse(s.lines.stream().anyMatch(l -> l.contains("\"id\":31") || l.contains("\"id\":32")), s.lines.toString());
    }
}
