package io.warden.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.mcp.SdkClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Era bridging against real fixture servers: a modern-only one (2026-07-28, stateless) and a legacy-only one
 * (2025-era sessions). Legacy clients (raw, and the TypeScript SDK v1) reach the modern-only upstream; modern
 * clients reach the legacy-only upstream; policy applies as on the direct path.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class EraBridgeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    private RawMcpClient client(String server, String token) {
        return new RawMcpClient(base.resolve("mcp/" + server).toString()).header("Authorization", "Bearer " + token);
    }

    private static String text(RawMcpClient.Exchange ex) {
        return ex.result().path("content").path(0).path("text").asText();
    }

    // ---- legacy client, modern-only upstream ----------------------------------------------------

    @Test
    void legacyClientUsesAModernOnlyUpstream() {
        NodeMcpServer upstream = GatewayTestBed.modernOnly;
        RawMcpClient c = client("modern-only", GatewayTestBed.ERA_MODERN_TOKEN);
        RawMcpClient.Exchange init = c.initialize("2025-06-18");
        assertEquals(200, init.status(), init.body());
        assertEquals("2025-06-18", init.result().path("protocolVersion").asText());
        assertEquals("warden-fixture", init.result().path("serverInfo").path("name").asText(), init.body());
        assertTrue(init.result().path("capabilities").has("tools"), init.body());
        assertTrue(init.result().path("instructions").asText().startsWith("Warden test fixture"), init.body());
        assertNotNull(c.sessionId());

        RawMcpClient.Exchange tools = c.request("tools/list", null);
        assertEquals(200, tools.status(), tools.body());
        List<String> names = tools.result().path("tools").findValuesAsText("name");
        assertTrue(names.contains("echo") && names.contains("test_input_required_result_elicitation"), names.toString());

        RawMcpClient.Exchange echo = c.callTool("echo", Map.of("message", "across eras"));
        assertEquals("across eras", text(echo), echo.body());
        assertFalse(echo.result().has("resultType"), echo.body());
        Map<String, String> seen = upstream.lastHeaders();
        assertEquals("2026-07-28", seen.get("mcp-protocol-version"), seen.toString());
        assertEquals("tools/call", seen.get("mcp-method"));
        assertEquals("echo", seen.get("mcp-name"));
        assertNull(seen.get("mcp-session-id"), seen.toString());
        assertNull(seen.get("authorization"), seen.toString());

        RawMcpClient.Exchange read = c.request("resources/read", JSON.createObjectNode().put("uri", "test://static-text"));
        assertEquals(200, read.status(), read.body());
        assertFalse(read.result().path("contents").isEmpty(), read.body());

        RawMcpClient.Exchange ping = c.request("ping", null);
        assertEquals(200, ping.status());
        assertTrue(ping.result().isObject() && ping.result().isEmpty(), ping.body());
        RawMcpClient.Exchange level = c.request("logging/setLevel", JSON.createObjectNode().put("level", "info"));
        assertEquals(200, level.status(), level.body());

        RawMcpClient.Exchange unknown = c.request("no/such-method", null);
        assertEquals(200, unknown.status(), unknown.body());
        assertEquals(-32601, unknown.response().path("error").path("code").asInt(), unknown.body());

        assertEquals(405, RestAssured.given().header("Authorization", "Bearer " + GatewayTestBed.ERA_MODERN_TOKEN)
                .header("Mcp-Session-Id", c.sessionId()).accept("text/event-stream").get(base.resolve("mcp/modern-only"))
                .statusCode());
        assertEquals(200, RestAssured.given().header("Authorization", "Bearer " + GatewayTestBed.ERA_MODERN_TOKEN)
                .header("Mcp-Session-Id", c.sessionId()).delete(base.resolve("mcp/modern-only")).statusCode());
    }

    @Test
    void anInputRequiredResultBecomesAClearErrorForALegacyClient() {
        RawMcpClient c = client("modern-only", GatewayTestBed.ERA_MODERN_TOKEN);
        ObjectNode params = JSON.createObjectNode().put("protocolVersion", "2025-11-25");
        params.putObject("capabilities").putObject("elicitation");
        params.putObject("clientInfo").put("name", "elicitation-client").put("version", "1");
        RawMcpClient.Exchange init = c.post(c.requestMessage("initialize", params), Map.of());
        assertEquals(200, init.status(), init.body());
        c.header("Mcp-Session-Id", init.header("mcp-session-id")).header("MCP-Protocol-Version", "2025-11-25");

        // The recorded capabilities travel upstream in _meta, so the upstream asks for input (MRTR) ...
        RawMcpClient.Exchange mrtr = c.callTool("test_input_required_result_elicitation", Map.of());
        assertEquals(200, mrtr.status(), mrtr.body());
        // ... which a legacy client cannot receive: it gets a clear error instead of a result it cannot read.
        assertEquals(-32603, mrtr.response().path("error").path("code").asInt(), mrtr.body());
        assertTrue(mrtr.response().path("error").path("message").asText().contains("input_required"), mrtr.body());
        assertFalse(mrtr.response().has("result"), mrtr.body());
    }

    @Test
    void argumentsDeclaredAsHeadersTravelAsMcpParamHeaders() {
        RawMcpClient c = client("modern-pinned", GatewayTestBed.ERA_PINNED_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        RawMcpClient.Exchange r = c.callTool("region_echo", Map.of("region", "eu-west"));
        assertEquals(200, r.status(), r.body());
        assertEquals("region=eu-west", text(r), r.body());
        assertEquals("eu-west", GatewayTestBed.modernOnly.lastHeaders().get("mcp-param-region"));
    }

    @Test
    void policyDeniesAndHidesOnTheBridgedPath() {
        NodeMcpServer upstream = GatewayTestBed.modernOnly;
        RawMcpClient c = client("modern-only", GatewayTestBed.ERA_MODERN_STRICT_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        List<String> names = c.request("tools/list", null).result().path("tools").findValuesAsText("name");
        assertTrue(names.contains("echo"), names.toString());
        assertFalse(names.contains("delete_account"), names.toString());

        int echoes = upstream.callCount("echo");
        RawMcpClient.Exchange denied = c.callTool("echo", Map.of("message", "forbidden"));
        assertEquals(200, denied.status(), denied.body());
        assertTrue(denied.result().path("isError").asBoolean(), denied.body());
        assertTrue(text(denied).contains("[POLICY DENIED]"), denied.body());
        assertFalse(denied.result().has("resultType"), "legacy shape: " + denied.body());

        int deletes = upstream.callCount("delete_account");
        RawMcpClient.Exchange hidden = c.callTool("delete_account", Map.of("account_id", "42"));
        assertEquals(-32602, hidden.response().path("error").path("code").asInt(), hidden.body());
        assertEquals("Unknown tool: delete_account", hidden.response().path("error").path("message").asText());
        assertEquals(deletes, upstream.callCount("delete_account"));
        assertEquals(echoes, upstream.callCount("echo"));
    }

    @Test
    void typeScriptSdkV1ClientUsesAModernOnlyUpstream() {
        SdkClient.Report r = SdkClient.of(SdkClient.Sdk.V1, base.resolve("mcp/modern-only").toString())
                .header("Authorization", "Bearer " + GatewayTestBed.ERA_MODERN_TOKEN)
                .timeout(Duration.ofSeconds(90))
                .run();
        assertTrue(r.ok(), r.raw());
        assertTrue(r.tools().contains("echo"), r.raw());
        assertFalse(r.echoText() == null || r.echoText().isEmpty(), r.raw());
        assertFalse(r.resourceText() == null || r.resourceText().isEmpty(), r.raw());
        assertFalse(r.progressAtMs().isEmpty(), "progress notifications cross the bridge: " + r.raw());
    }

    @Test
    void aClientOfTheOldHttpSseTransportUsesAModernOnlyUpstream() throws Exception {
        oldTransportClientCallsEcho("modern-only", GatewayTestBed.ERA_MODERN_TOKEN);
        assertEquals("2026-07-28", GatewayTestBed.modernOnly.lastHeaders().get("mcp-protocol-version"));
    }

    @Test
    void aClientOfTheOldHttpSseTransportUsesAnHttpSseOnlyUpstream() throws Exception {
        oldTransportClientCallsEcho("sse-only", GatewayTestBed.ERA_SSE_TOKEN);
        assertTrue(GatewayTestBed.sseOnly.requests().stream().anyMatch(q -> q.path().startsWith("/messages")
                || q.path().equals("/sse")), GatewayTestBed.sseOnly.requests().toString());
    }

    /** A 2024-11-05 client through the gateway's own old-transport endpoint: initialize, then echo. */
    private void oldTransportClientCallsEcho(String server, String token) throws Exception {
        String auth = "Bearer " + token;
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> stream = http.sendAsync(HttpRequest.newBuilder(base.resolve("mcp/" + server + "/sse"))
                .header("Accept", "text/event-stream").header("Authorization", auth).GET().build(),
                HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS);
        assertEquals(200, stream.statusCode());
        BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            String[] event = {"message", ""};
            stream.body().forEach(line -> {
                if (line.startsWith("event:")) {
                    event[0] = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    event[1] += line.substring(5).trim();
                } else if (line.isEmpty() && !event[1].isEmpty()) {
                    events.add(new String[] {event[0], event[1]});
                    event[0] = "message";
                    event[1] = "";
                }
            });
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            String[] endpoint = events.poll(30, TimeUnit.SECONDS);
            assertNotNull(endpoint);
            assertEquals("endpoint", endpoint[0]);
            URI messages = base.resolve(endpoint[1]);
            ObjectNode params = JSON.createObjectNode().put("protocolVersion", "2024-11-05");
            params.putObject("capabilities");
            params.putObject("clientInfo").put("name", "old-client").put("version", "1");
            assertEquals(202, post(http, messages, auth, message(1, "initialize", params)));
            JsonNode init = JSON.readTree(events.poll(30, TimeUnit.SECONDS)[1]);
            assertEquals("2024-11-05", init.path("result").path("protocolVersion").asText(), init.toString());
            assertEquals("warden-fixture", init.path("result").path("serverInfo").path("name").asText(), init.toString());
            assertEquals(202, post(http, messages, auth, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));

            ObjectNode call = JSON.createObjectNode().put("name", "echo");
            call.putObject("arguments").put("message", "from 2024");
            assertEquals(202, post(http, messages, auth, message(2, "tools/call", call)));
            JsonNode echo = JSON.readTree(events.poll(30, TimeUnit.SECONDS)[1]);
            assertEquals(2, echo.path("id").asInt(), echo.toString());
            assertEquals("from 2024", echo.path("result").path("content").path(0).path("text").asText(), echo.toString());
        } finally {
            stream.body().close();
        }
    }

    private static String message(int id, String method, ObjectNode params) {
        ObjectNode m = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        m.set("params", params);
        return m.toString();
    }

    private static int post(HttpClient http, URI uri, String auth, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json").header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    // ---- modern client, legacy-only upstream ----------------------------------------------------

    @Test
    void typeScriptSdkV2ModernClientUsesALegacyOnlyUpstream() {
        SdkClient.Report r = SdkClient.of(SdkClient.Sdk.V2, base.resolve("mcp/legacy-only").toString())
                .era(SdkClient.Era.MODERN)
                .header("Authorization", "Bearer " + GatewayTestBed.ERA_LEGACY_TOKEN)
                .timeout(Duration.ofSeconds(90))
                .run();
        assertTrue(r.ok(), r.raw());
        assertEquals("2026-07-28", r.protocolVersion(), r.raw());
        assertTrue(r.tools().contains("echo"), r.raw());
        assertFalse(r.echoText() == null || r.echoText().isEmpty(), r.raw());
        assertFalse(r.resourceText() == null || r.resourceText().isEmpty(), r.raw());
        assertFalse(r.progressAtMs().isEmpty(), "progress notifications cross the bridge: " + r.raw());
    }

    @Test
    void modernClientUsesALegacyOnlyUpstream() {
        NodeMcpServer upstream = GatewayTestBed.legacyOnly;
        RawMcpClient c = client("legacy-only", GatewayTestBed.ERA_LEGACY_TOKEN);
        RawMcpClient.Exchange discover = c.modernRequest("server/discover", null);
        long opened = initializes(upstream);
        assertEquals(200, discover.status(), discover.body());
        assertEquals("2026-07-28", discover.result().path("supportedVersions").path(0).asText(), discover.body());
        assertEquals("warden-fixture", discover.result().path("serverInfo").path("name").asText(), discover.body());

        ObjectNode params = JSON.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", "modern to legacy");
        RawMcpClient.Exchange echo = c.modernRequest("tools/call", params);
        assertEquals(200, echo.status(), echo.body());
        assertEquals("modern to legacy", text(echo), echo.body());
        assertEquals("complete", echo.result().path("resultType").asText(), echo.body());
        Map<String, String> seen = upstream.lastHeaders();
        assertNotNull(seen.get("mcp-session-id"), seen.toString());
        assertNull(seen.get("mcp-method"), seen.toString());

        RawMcpClient.Exchange tools = c.modernRequest("tools/list", null);
        assertEquals(200, tools.status(), tools.body());
        assertTrue(tools.result().path("tools").findValuesAsText("name").contains("echo"), tools.body());
        assertTrue(tools.result().has("ttlMs"), tools.body());
        // The session opened for discover serves this grant's later requests.
        assertEquals(opened, initializes(upstream), upstream.requests().toString());
    }

    @Test
    void aLostUpstreamSessionIsReopenedAndTheRequestSentOnceMore() {
        NodeMcpServer upstream = GatewayTestBed.legacyOnly;
        RawMcpClient c = client("legacy-only", GatewayTestBed.ERA_LEGACY_TOKEN);
        ObjectNode params = JSON.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", "before");
        assertEquals("before", text(c.modernRequest("tools/call", params)));

        upstream.stop();
        upstream.start(); // same port, every upstream session gone
        params.with("arguments").put("message", "after");
        RawMcpClient.Exchange after = c.modernRequest("tools/call", params);
        assertEquals(200, after.status(), after.body());
        assertEquals("after", text(after), after.body());
        List<NodeMcpServer.Request> seen = upstream.requests();
        assertEquals(List.of("tools/call", "initialize", "notifications/initialized", "tools/call"),
                seen.stream().map(NodeMcpServer.Request::method).toList(), seen.toString());
        assertEquals(1, upstream.callCount("echo"), "the lost request never ran; the resent one ran once");
    }

    @Test
    void policyDeniesAndHidesForModernClientsOfALegacyUpstream() {
        NodeMcpServer upstream = GatewayTestBed.legacyOnly;
        RawMcpClient c = client("legacy-only", GatewayTestBed.ERA_LEGACY_STRICT_TOKEN);
        int deletes = upstream.callCount("delete_account");
        ObjectNode params = JSON.createObjectNode().put("name", "delete_account");
        params.putObject("arguments");
        RawMcpClient.Exchange hidden = c.modernRequest("tools/call", params);
        assertEquals(-32602, hidden.response().path("error").path("code").asInt(), hidden.body());
        assertEquals(deletes, upstream.callCount("delete_account"));
        List<String> names = c.modernRequest("tools/list", null).result().path("tools").findValuesAsText("name");
        assertFalse(names.contains("delete_account"), names.toString());
    }

    // ---- legacy client, HTTP+SSE-only upstream (T-L3) --------------------------------------------

    @Test
    void legacyClientUsesAnHttpSseOnlyUpstream() {
        NodeMcpServer upstream = GatewayTestBed.sseOnly;
        RawMcpClient c = client("sse-only", GatewayTestBed.ERA_SSE_TOKEN);
        RawMcpClient.Exchange init = c.initialize("2025-11-25");
        assertEquals(200, init.status(), init.body());
        assertEquals("warden-fixture", init.result().path("serverInfo").path("name").asText(), init.body());
        assertNotNull(c.sessionId());

        List<String> names = c.request("tools/list", null).result().path("tools").findValuesAsText("name");
        assertTrue(names.contains("echo"), names.toString());
        RawMcpClient.Exchange echo = c.callTool("echo", Map.of("message", "over the old transport"));
        assertEquals("over the old transport", text(echo), echo.body());
        RawMcpClient.Exchange read = c.request("resources/read", JSON.createObjectNode().put("uri", "test://static-text"));
        assertFalse(read.result().path("contents").isEmpty(), read.body());
        assertTrue(upstream.requests().stream().anyMatch(q -> q.path().equals("/sse") && "GET".equals(q.httpMethod())),
                upstream.requests().toString());

        assertEquals(200, RestAssured.given().header("Authorization", "Bearer " + GatewayTestBed.ERA_SSE_TOKEN)
                .header("Mcp-Session-Id", c.sessionId()).delete(base.resolve("mcp/sse-only")).statusCode());
        RawMcpClient.Exchange ended = c.request("tools/list", null);
        assertEquals(404, ended.status(), "the session's upstream stream is gone: " + ended.body());
    }

    @Test
    void policyDeniesAndHidesInFrontOfAnHttpSseOnlyUpstream() {
        NodeMcpServer upstream = GatewayTestBed.sseOnly;
        RawMcpClient c = client("sse-only", GatewayTestBed.ERA_SSE_STRICT_TOKEN);
        assertEquals(200, c.initialize("2025-11-25").status());
        List<String> names = c.request("tools/list", null).result().path("tools").findValuesAsText("name");
        assertTrue(names.contains("echo") && !names.contains("delete_account"), names.toString());
        int deletes = upstream.callCount("delete_account");
        RawMcpClient.Exchange hidden = c.callTool("delete_account", Map.of("account_id", "1"));
        assertEquals("Unknown tool: delete_account", hidden.response().path("error").path("message").asText(), hidden.body());
        RawMcpClient.Exchange denied = c.callTool("echo", Map.of("message", "forbidden"));
        assertTrue(text(denied).contains("[POLICY DENIED]"), denied.body());
        assertEquals(deletes, upstream.callCount("delete_account"));
    }

    @Test
    void aModernClientOfAnHttpSseOnlyUpstreamGetsAClear502() {
        RawMcpClient c = client("sse-only", GatewayTestBed.ERA_SSE_TOKEN);
        RawMcpClient.Exchange r = c.modernRequest("tools/list", null);
        assertEquals(502, r.status(), r.body());
        assertTrue(r.response().path("error").path("message").asText().contains("HTTP+SSE"), r.body());
        assertTrue(r.response().path("id").isNumber(), r.body());
    }

    // ---- the probe ------------------------------------------------------------------------------

    @Test
    void probeRunsOncePerUpstreamForManyConcurrentRequests() {
        NodeMcpServer upstream = GatewayTestBed.modernOnly;
        List<CompletableFuture<RawMcpClient.Exchange>> all = IntStream.range(0, 12)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    RawMcpClient c = client("modern-counted", GatewayTestBed.ERA_COUNTED_TOKEN);
                    c.initialize("2025-11-25");
                    return c.request("tools/list", null);
                })).toList();
        all.forEach(f -> assertEquals(200, f.join().status(), f.join().body()));
        long discovers = upstream.requests().stream()
                .filter(q -> q.path().endsWith("?counted") && "server/discover".equals(q.method())).count();
        assertEquals(1, discovers, upstream.requests().toString());
        assertEquals(1.0, probes("modern-counted"), 0.0);
    }

    @Test
    void aPinnedEraSkipsTheProbe() {
        NodeMcpServer upstream = GatewayTestBed.modernOnly;
        RawMcpClient c = client("modern-pinned", GatewayTestBed.ERA_PINNED_TOKEN);
        RawMcpClient.Exchange init = c.initialize("2025-11-25");
        assertEquals("warden-fixture", init.result().path("serverInfo").path("name").asText(), init.body());
        assertEquals("across", text(c.callTool("echo", Map.of("message", "across"))));
        List<NodeMcpServer.Request> pinned = upstream.requests().stream().filter(q -> q.path().endsWith("?pinned")).toList();
        assertTrue(pinned.stream().noneMatch(q -> "initialize".equals(q.method()) || "GET".equals(q.httpMethod())),
                pinned.toString());
        assertEquals(0.0, probes("modern-pinned"), 0.0);
    }

    @Test
    void anUnreachableUpstreamDuringTheProbeGets502() {
        RawMcpClient c = client("era-down", GatewayTestBed.ERA_DOWN_TOKEN);
        ObjectNode params = JSON.createObjectNode().put("protocolVersion", "2025-11-25");
        params.putObject("capabilities");
        RawMcpClient.Exchange init = c.post(c.requestMessage("initialize", params), Map.of());
        assertEquals(502, init.status(), init.body());
        assertEquals("Upstream MCP server is unreachable", init.response().path("error").path("message").asText(), init.body());
        assertTrue(init.response().path("id").isNumber(), "the error answers the request: " + init.body());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static long initializes(NodeMcpServer upstream) {
        return upstream.requests().stream().filter(q -> "initialize".equals(q.method())).count();
    }

    private double probes(String server) {
        String metrics = RestAssured.get(base.resolve("q/metrics")).asString();
        Matcher m = Pattern.compile("warden_upstream_era_probes_total\\{[^}]*server=\"" + Pattern.quote(server)
                + "\"[^}]*} ([0-9.]+)").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
