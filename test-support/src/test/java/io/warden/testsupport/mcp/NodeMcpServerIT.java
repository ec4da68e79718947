package io.warden.testsupport.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ConnectException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeMcpServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static NodeMcpServer fixture;

    @BeforeAll
    static void start() {
        fixture = NodeMcpServer.fixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void reset() {
        fixture.reset();
    }

    @Test
    void legacyEraHandshakeListAndCall() {
        RawMcpClient client = new RawMcpClient(fixture.url());
        RawMcpClient.Exchange init = client.initialize("2025-11-25");
        assertEquals(200, init.status());
        assertNotNull(client.sessionId(), "the fixture's legacy leg is sessionful");
        assertEquals("warden-fixture", init.result().path("serverInfo").path("name").asText());

        List<String> tools = toolNames(client.request("tools/list", null).result());
        assertTrue(tools.containsAll(List.of("echo", "add", "delete_account", "slow_progress", "test_simple_text",
                "test_sampling", "test_elicitation")), tools.toString());

        JsonNode echoed = client.callTool("echo", Map.of("message", "hello warden")).result();
        assertEquals("hello warden", echoed.path("content").path(0).path("text").asText());
        assertEquals(1, fixture.callCount("echo"));
        assertEquals(0, fixture.callCount("delete_account"));
    }

    @Test
    void modernEraIsStatelessAndHasTheModernFixtures() {
        RawMcpClient client = new RawMcpClient(fixture.url());
        RawMcpClient.Exchange list = client.modernRequest("tools/list", null);
        assertEquals(200, list.status());
        assertNull(list.header("mcp-session-id"));
        assertTrue(toolNames(list.result()).contains("test_input_required_result_elicitation"));

        ObjectNode params = JSON.createObjectNode().put("name", "add");
        params.putObject("arguments").put("a", 2).put("b", 40);
        JsonNode result = client.modernRequest("tools/call", params).result();
        assertEquals("42", result.path("content").path(0).path("text").asText());
        assertEquals("complete", result.path("resultType").asText());
        assertEquals(Map.of("add", 1), fixture.calls());
    }

    @Test
    void recordsTheLastRequestHeaders() {
        new RawMcpClient(fixture.url()).header("Authorization", "Bearer secret-grant").header("X-Trace", "t1")
                .modernRequest("tools/list", null);
        Map<String, String> seen = fixture.lastHeaders();
        assertEquals("Bearer secret-grant", seen.get("authorization"));
        assertEquals("t1", seen.get("x-trace"));
        fixture.reset();
        assertTrue(fixture.lastHeaders().isEmpty());
    }

    @Test
    void slowProgressStreamsNotificationsBeforeTheResult() {
        RawMcpClient client = new RawMcpClient(fixture.url());
        client.initialize("2025-11-25");
        ObjectNode params = JSON.createObjectNode().put("name", "slow_progress");
        params.putObject("arguments").put("steps", 3).put("delayMs", 20);
        params.putObject("_meta").put("progressToken", "p1");
        RawMcpClient.Exchange call = client.request("tools/call", params);
        assertTrue(call.header("content-type").startsWith("text/event-stream"));
        long progress = call.messages().stream()
                .filter(m -> "notifications/progress".equals(m.path("method").asText())).count();
        assertEquals(3, progress);
        assertEquals("done after 3 steps", call.result().path("content").path(0).path("text").asText());
    }

    @Test
    void legacyStreamsAreResumableWithLastEventId() {
        RawMcpClient client = new RawMcpClient(fixture.url());
        client.initialize("2025-11-25");
        ObjectNode params = JSON.createObjectNode().put("name", "test_reconnection");
        params.putObject("arguments");
        ObjectNode request = client.requestMessage("tools/call", params);
        RawMcpClient.Exchange cut = client.post(request, Map.of());
        assertTrue(cut.messages().stream().noneMatch(m -> m.has("result")), "the stream closes before the result");
        assertNotNull(cut.lastEventId(), cut.body());

        List<JsonNode> resumed = client.resume(cut.lastEventId(), request.get("id").asLong(), java.time.Duration.ofSeconds(10));
        JsonNode response = resumed.get(resumed.size() - 1);
        assertEquals("Reconnection test completed", response.path("result").path("content").path(0).path("text").asText());
    }

    @Test
    void rejectsAForeignHost() {
        RawMcpClient.Exchange rejected = new RawMcpClient(fixture.url())
                .post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", Map.of("Origin", "http://evil.example.com"));
        assertEquals(403, rejected.status());
    }

    @Test
    void stopsAndRestartsOnTheSamePort() {
        int port = fixture.port();
        fixture.stop();
        assertFalse(fixture.isRunning());
        try {
            new RawMcpClient(fixture.url()).modernRequest("tools/list", null);
            throw new AssertionError("a stopped fixture must refuse connections");
        } catch (UncheckedIOException expected) {
            assertTrue(expected.getCause() instanceof ConnectException, expected.toString());
        }
        fixture.start();
        assertEquals(port, fixture.port());
        assertEquals(200, new RawMcpClient(fixture.url()).modernRequest("tools/list", null).status());
    }

    @Test
    void pagesToolsListWhenAsked() {
        fixture.toolsPageSize(4);
        RawMcpClient client = new RawMcpClient(fixture.url());
        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ObjectNode params = JSON.createObjectNode();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode page = client.modernRequest("tools/list", params).result();
            all.addAll(toolNames(page));
            cursor = page.has("nextCursor") ? page.get("nextCursor").asText() : null;
            pages++;
        } while (cursor != null);
        assertTrue(pages > 3, "pages: " + pages);
        assertTrue(all.containsAll(List.of("echo", "delete_account", "test_simple_text")), all.toString());
        assertEquals(all.size(), all.stream().distinct().count());
    }

    @Test
    void injectedFaultsHitTheNextRequestsOnly() {
        RawMcpClient client = new RawMcpClient(fixture.url());
        fixture.fault(NodeMcpServer.Fault.HTTP_ERROR, 1, 503);
        assertEquals(503, client.post("{}", Map.of()).status());
        assertEquals(200, client.modernRequest("tools/list", null).status());

        fixture.fault(NodeMcpServer.Fault.GARBAGE_JSON, 1);
        RawMcpClient.Exchange garbage = client.post("{}", Map.of());
        assertEquals(200, garbage.status());
        assertTrue(garbage.messages().isEmpty());
        assertTrue(garbage.body().startsWith("{\"jsonrpc\""), garbage.body());

        fixture.fault(NodeMcpServer.Fault.CLOSE_MID_STREAM, 1);
        try {
            client.post("{}", Map.of());
            throw new AssertionError("the connection should drop mid-stream");
        } catch (UncheckedIOException expected) {
            // the SSE answer stopped before a response and the connection went away
        }
    }

    @Test
    void singleEraFixturesRefuseTheOtherEra() {
        ObjectNode init = JSON.createObjectNode().put("protocolVersion", "2025-11-25");
        init.putObject("capabilities");
        init.putObject("clientInfo").put("name", "it").put("version", "1");
        try (NodeMcpServer modern = NodeMcpServer.fixture(NodeMcpServer.Eras.MODERN)) {
            RawMcpClient client = new RawMcpClient(modern.url());
            RawMcpClient.Exchange refused = client.post(client.requestMessage("initialize", init), Map.of());
            assertEquals(400, refused.status(), refused.body());
            assertEquals(-32022, refused.response().path("error").path("code").asInt(), refused.body());
            assertEquals("2026-07-28", refused.response().path("error").path("data").path("supported").path(0).asText());
            assertEquals(200, client.modernRequest("server/discover", null).status());
            assertEquals(List.of("initialize", "server/discover"),
                    modern.requests().stream().map(NodeMcpServer.Request::method).toList());
            assertEquals(NodeMcpServer.Eras.MODERN, modern.eras());
        }
        try (NodeMcpServer legacy = NodeMcpServer.fixture(NodeMcpServer.Eras.LEGACY)) {
            RawMcpClient client = new RawMcpClient(legacy.url());
            RawMcpClient.Exchange discover = client.modernRequest("server/discover", null);
            assertEquals(400, discover.status(), discover.body());
            assertEquals(-32000, discover.response().path("error").path("code").asInt(), discover.body());
            assertEquals(200, client.initialize("2025-11-25").status());
            assertNotNull(client.sessionId());
        }
        try (NodeMcpServer old = NodeMcpServer.fixture(NodeMcpServer.Eras.HTTP_SSE)) {
            RawMcpClient client = new RawMcpClient(old.url());
            assertEquals(404, client.post(client.requestMessage("initialize", init), Map.of()).status());
            assertEquals(0, old.requestCount("initialize"), "a path it does not serve is not an MCP request");
        }
    }

    @Test
    void serverEverythingAnswersEcho() {
        try (NodeMcpServer everything = NodeMcpServer.everything()) {
            RawMcpClient client = new RawMcpClient(everything.url());
            client.initialize("2025-11-25");
            JsonNode result = client.callTool("echo", Map.of("message", "hi")).result();
            assertTrue(result.path("content").path(0).path("text").asText().contains("hi"), result.toString());
        }
    }

    private static List<String> toolNames(JsonNode listResult) {
        List<String> names = new ArrayList<>();
        listResult.path("tools").forEach(t -> names.add(t.path("name").asText()));
        return names;
    }
}
