package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.e2e.EventStream.Event;
import io.warden.e2e.ratelimit.EchoUpstream;
import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.redis.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two packaged gateways, A and B, sharing a session key and a Redis, as pods behind a load balancer. A is killed
 * (SIGKILL) while it holds a client's stream: the client carries on through B. Checklist T-X3 and T-L2, plus the
 * revocation of a DELETEd session on every pod.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodFailoverIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String LEGACY = "2025-11-25";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final String token = GrantTokens.mint();
    final String sessionKey = SessionKeys.generate();
    Path work;
    RedisServer redis;
    NodeMcpServer fixture;
    EchoUpstream stateless;
    Path config;
    GatewayProcess a;
    GatewayProcess b;

    @BeforeAll
    void upstreams() throws IOException {
        work = Path.of("target", "pod-failover").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        redis = RedisServer.launch();
        fixture = NodeMcpServer.fixture();
        stateless = EchoUpstream.start();
        config = work.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: fixture, url: "%s"}
                  - {id: stateless, url: "%s"}
                grants:
                  - {id: pods, server: fixture, token_hash: "%s", policy: allow}
                  - {id: pods-stateless, server: stateless, token_hash: "%s", policy: allow}
                policies:
                  allow: {version: "1", default: allow}
                """.formatted(fixture.url(), stateless.url(), GrantTokens.hash(token), GrantTokens.hash(statelessToken())));
    }

    String statelessToken() {
        return token + "-stateless";
    }

    @BeforeEach
    void pods(org.junit.jupiter.api.TestInfo test) {
        String name = test.getTestMethod().orElseThrow().getName();
        Map<String, String> shared = Map.of("warden.gateway.cluster.redis-url", redis.uri());
        a = GatewayProcess.launch(name + "-a", work, config, sessionKey, shared);
        b = GatewayProcess.launch(name + "-b", work, config, sessionKey, shared);
        a.awaitHealthy();
        b.awaitHealthy();
    }

    @AfterEach
    void stopPods() {
        a.close();
        b.close();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {stateless, fixture, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    Map<String, String> auth() {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** (a) Streamable HTTP, legacy era: the GET stream moves from A to B with Last-Event-ID, same session. */
    @Test
    void aLegacyStreamResumesOnAnotherPodAfterItsPodDied() {
        RawMcpClient viaA = new RawMcpClient(a.mcpUrl("fixture")).header("Authorization", "Bearer " + token);
        viaA.initialize(LEGACY);
        String session = viaA.sessionId();
        assertNotNull(session);

        EventStream onA = EventStream.open(a.mcpUrl("fixture"), Map.of("Authorization", "Bearer " + token,
                "Mcp-Session-Id", session, "MCP-Protocol-Version", LEGACY));
        assertEquals(200, onA.status());
        assertEquals(200, viaA.callTool("test_trigger_tool_change", Map.of()).status());
        assertEquals(200, viaA.callTool("test_trigger_tool_change", Map.of()).status());
        await().atMost(WAIT).until(() -> onA.events().stream().filter(e -> e.data().contains("list_changed")).count() == 2);
        List<Event> seen = onA.events().stream().filter(e -> e.data().contains("list_changed")).toList();
        Event first = seen.get(0);
        assertNotNull(first.id(), "events of a resumable stream carry ids through the gateway");

        a.kill();
        await().atMost(WAIT).until(onA::ended);

        // The client read only the first event before A died: it resumes after that one through B.
        RawMcpClient viaB = new RawMcpClient(b.mcpUrl("fixture")).header("Authorization", "Bearer " + token)
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY);
        EventStream onB = EventStream.open(b.mcpUrl("fixture"), Map.of("Authorization", "Bearer " + token,
                "Mcp-Session-Id", session, "MCP-Protocol-Version", LEGACY, "Last-Event-ID", first.id()));
        assertEquals(200, onB.status(), "B serves the session A created: never 404");
        Event replayed = onB.await(WAIT, e -> e.data().contains("list_changed"));
        assertEquals(seen.get(1).id(), replayed.id(), "the event missed on A is replayed through B");

        // And it continues: a new notification arrives on B's stream; requests through B work in the same session.
        RawMcpClient.Exchange call = viaB.callTool("test_trigger_tool_change", Map.of());
        assertEquals(200, call.status(), call.body());
        await().atMost(WAIT).until(() -> onB.events().stream().filter(e -> e.data().contains("list_changed")).count() == 2);
        onB.close();
    }

    /** (b) HTTP+SSE: POSTs through B are answered on A's stream; once A died, B says 404 and a new stream on B works. */
    @Test
    void httpSsePostsToAnotherPodReachTheStreamAndA404SendsTheClientToANewStream() throws Exception {
        EventStream onA = EventStream.open(a.mcpUrl("fixture") + "/sse", auth());
        assertEquals(200, onA.status());
        String endpoint = onA.await(WAIT, e -> e.type().equals("endpoint")).data();
        assertTrue(endpoint.startsWith("/mcp/fixture/messages?session="), endpoint);

        assertEquals(202, postVia(b, endpoint, initialize(1)).statusCode());
        onA.await(WAIT, e -> e.data().contains("\"id\":1") && e.data().contains("serverInfo"));
        assertEquals(202, postVia(b, endpoint, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode());
        assertEquals(202, postVia(b, endpoint, echo(2, "through b")).statusCode());
        onA.await(WAIT, e -> e.data().contains("through b"));
        assertEquals(202, postVia(a, endpoint, echo(3, "through a")).statusCode());
        onA.await(WAIT, e -> e.data().contains("through a"));

        a.kill();
        await().atMost(WAIT).until(() -> postVia(b, endpoint, echo(4, "lost")).statusCode() == 404);
        HttpResponse<String> gone = postVia(b, endpoint, echo(5, "lost"));
        assertEquals(404, gone.statusCode());
        assertTrue(gone.body().contains("Session not found"), gone.body());

        EventStream onB = EventStream.open(b.mcpUrl("fixture") + "/sse", auth());
        String again = onB.await(WAIT, e -> e.type().equals("endpoint")).data();
        assertEquals(202, postVia(b, again, initialize(6)).statusCode());
        onB.await(WAIT, e -> e.data().contains("\"id\":6") && e.data().contains("serverInfo"));
        assertEquals(202, postVia(b, again, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode());
        assertEquals(202, postVia(b, again, echo(7, "on b now")).statusCode());
        onB.awaitData(WAIT, "on b now");
        onB.close();
    }

    /** (c) A DELETE through A ends the session on B too, even where the upstream keeps no session to forget. */
    @Test
    void aSessionDeletedThroughOnePodIsRefusedByTheOther() throws Exception {
        RawMcpClient viaA = new RawMcpClient(a.mcpUrl("stateless")).header("Authorization", "Bearer " + statelessToken());
        viaA.initialize(LEGACY);
        String session = viaA.sessionId();
        RawMcpClient viaB = new RawMcpClient(b.mcpUrl("stateless")).header("Authorization", "Bearer " + statelessToken())
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY);
        assertEquals(200, viaB.callTool("echo", Map.of()).status(), "B serves A's session");

        HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create(a.mcpUrl("stateless")))
                .header("Authorization", "Bearer " + statelessToken()).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", LEGACY).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deleted.statusCode(), deleted.body());

        long calls = stateless.calls();
        await().atMost(WAIT).until(() -> viaB.callTool("echo", Map.of()).status() == 404);
        RawMcpClient.Exchange refused = viaB.callTool("echo", Map.of());
        assertEquals(404, refused.status());
        assertTrue(refused.body().contains("Session not found"), refused.body());
        assertEquals(calls, stateless.calls(), "B refused by itself; the upstream never saw the revoked session");
        // A pod started after the revocation knows it too (it loads the list from Redis).
        try (GatewayProcess c = GatewayProcess.launch("revocation-c", work, config, sessionKey,
                Map.of("warden.gateway.cluster.redis-url", redis.uri())).awaitHealthy()) {
            RawMcpClient viaC = new RawMcpClient(c.mcpUrl("stateless")).header("Authorization", "Bearer " + statelessToken())
                    .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY);
            await().atMost(WAIT).until(() -> viaC.callTool("echo", Map.of()).status() == 404);
        }
    }

    static String initialize(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2024-11-05\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"pod-failover\",\"version\":\"1\"}}}";
    }

    static String echo(int id, String message) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                + "\"arguments\":{\"message\":\"" + message + "\"}}}";
    }

    HttpResponse<String> postVia(GatewayProcess pod, String endpoint, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(pod.baseUrl() + endpoint))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
