package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.stack.Balancer;
import io.warden.api.GrantTokens;
import io.warden.e2e.EventStream.Event;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.NodeTool;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.redis.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two packaged gateways sharing a session key, a digest key and a Redis, as pods behind a load balancer, in front of
 * the official TypeScript SDK fixture (standalone mode: approvals live in each pod, so only the 2025-era hold, which
 * keeps the call on one pod, is shown across pods here; ConnectedApprovalIT shows the modern retry on another pod). A 2025-era client that declared elicitation calls a tool whose policy asks the
 * user to approve: the pod that holds the call sends Warden's elicitation on the call's stream, and the client's answer
 * reaches the other pod, which hands it over the cluster bus to the holding one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String LEGACY = "2025-11-25";
    static final ObjectMapper JSON = new ObjectMapper();

    final String token = GrantTokens.mint();
    final String besideToken = GrantTokens.mint();
    final String nestedToken = GrantTokens.mint();
    Path work;
    RedisServer redis;
    NodeMcpServer fixture;
    GatewayProcess a;
    GatewayProcess b;

    @BeforeAll
    void start() throws IOException {
        work = Path.of("target", "approval-it").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        redis = RedisServer.launch();
        fixture = NodeMcpServer.fixture();
        Path config = work.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: fixture, url: "%s"}
                grants:
                  - {id: pods, server: fixture, token_hash: "%s", policy: ask-the-user}
                  - {id: beside, server: fixture, token_hash: "%s", policy: approval-beside}
                  - {id: nested, server: fixture, token_hash: "%s", policy: approval-nested}
                policies:
                  ask-the-user:
                    version: "1"
                    default: allow
                    tools:
                      echo:
                        approval: [{conditions: [], reason: "The user confirms every echo.", approver: user}]
                  approval-beside:
                    version: "1"
                    default: allow
                    tools:
                      echo:
                        approval: [{conditions: [], reason: "An operator confirms every echo."}]
                  approval-nested:
                    version: "1"
                    default: allow
                    tools:
                      test_input_required_result_tampered_state:
                        approval: [{conditions: [], reason: "The user confirms it.", approver: user}]
                """.formatted(fixture.url(), GrantTokens.hash(token), GrantTokens.hash(besideToken),
                GrantTokens.hash(nestedToken)));
        String sessionKey = SessionKeys.generate();
        Map<String, String> shared = Map.of("warden.gateway.cluster.redis-url", redis.uri(),
                "warden.gateway.decision-log.digest-key", ArgumentDigest.generateKey());
        a = GatewayProcess.launch("approval-a", work, config, sessionKey, shared);
        b = GatewayProcess.launch("approval-b", work, config, sessionKey, shared);
        a.awaitHealthy();
        b.awaitHealthy();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, fixture, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /**
     * Opens a 2025-era session that declared form elicitation (initialize, then notifications/initialized) and returns
     * the headers every later request of it carries: the grant token, the session id, the protocol version.
     */
    static Map<String, String> elicitingSession(String mcpUrl, String token) {
        RawMcpClient client = new RawMcpClient(mcpUrl).header("Authorization", "Bearer " + token);
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + LEGACY
                + "\",\"capabilities\":{\"elicitation\":{}},\"clientInfo\":{\"name\":\"approval-it\",\"version\":\"1\"}}}";
        RawMcpClient.Exchange opened = client.post(init, Map.of());
        assertEquals(200, opened.status(), opened.body());
        String session = opened.header("mcp-session-id");
        assertNotNull(session);
        Map<String, String> headers = Map.of("Authorization", "Bearer " + token, "Mcp-Session-Id", session,
                "MCP-Protocol-Version", LEGACY);
        RawMcpClient same = new RawMcpClient(mcpUrl);
        headers.forEach(same::header);
        assertEquals(202, same.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Map.of()).status());
        return headers;
    }

    /** Step by step on the wire: the call held on A, Warden's elicitation on its stream, the answer POSTed to B. */
    @Test
    void theAnswerToWardensElicitationReachesThePodHoldingTheCall() throws Exception {
        Map<String, String> headers = elicitingSession(a.mcpUrl("fixture"), token);
        RawMcpClient viaB = new RawMcpClient(b.mcpUrl("fixture"));
        headers.forEach(viaB::header);

        EventStream held = EventStream.post(a.mcpUrl("fixture"), headers,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"across pods\"}}}");
        assertEquals(200, held.status());
        Event ask = held.await(WAIT, e -> e.data().contains("elicitation/create"));
        JsonNode request = JSON.readTree(ask.data());
        String id = request.get("id").asText();
        assertTrue(id.startsWith("warden-approval-"), id);
        assertFalse(request.at("/params/message").asText().contains("across pods"), "no argument values in the form");

        RawMcpClient.Exchange answered = viaB.post("{\"jsonrpc\":\"2.0\",\"id\":\"" + id
                + "\",\"result\":{\"action\":\"accept\",\"content\":{\"approve\":true}}}", Map.of());
        assertEquals(202, answered.status(), "B hands the answer to A: " + answered.body());
        Event result = held.await(WAIT, e -> e.data().contains("\"id\":2"));
        assertTrue(result.data().contains("across pods"), result.data());
        assertFalse(result.data().contains("isError\":true"), result.data());

        // The same answer again: the call is gone, nothing holds the id any more.
        assertEquals(404, viaB.post("{\"jsonrpc\":\"2.0\",\"id\":\"" + id
                + "\",\"result\":{\"action\":\"accept\",\"content\":{\"approve\":true}}}", Map.of()).status());
        List<String> onA = a.decisions();
        assertTrue(onA.stream().anyMatch(l -> l.contains("\"approval_required\"")), String.join("\n", onA));
        assertTrue(onA.stream().anyMatch(l -> l.contains("\"approval_granted\"")), String.join("\n", onA));
    }

    /**
     * The official Java SDK (2025 era, elicitation declared) behind the same round-robin front: each call is held on
     * one pod, and the SDK's answer to Warden's form, the next request, goes to the other.
     */
    @Test
    void theJavaSdkBehindARoundRobinFrontGetsItsApprovedCallsThrough() {
        List<String> asked = new CopyOnWriteArrayList<>();
        try (Balancer front = Balancer.perRequest(List.of(a.port(), b.port()), token)) {
            var transport = HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + front.port())
                    .endpoint("/mcp/fixture").build(); // the front adds the grant token
            try (McpSyncClient client = McpClient.sync(transport).requestTimeout(WAIT)
                    .capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
                    .elicitation(request -> {
                        asked.add(request.message());
                        return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of("approve", true));
                    }).build()) {
                client.initialize();
                for (int i = 0; i < 2; i++) {
                    McpSchema.CallToolResult result = client.callTool(
                            new McpSchema.CallToolRequest("echo", Map.of("message", "java-rr-" + i)));
                    assertFalse(Boolean.TRUE.equals(result.isError()), result.toString());
                    assertEquals("java-rr-" + i, ((McpSchema.TextContent) result.content().get(0)).text());
                }
            }
            assertEquals(2, asked.size(), "Warden asked once per call: " + asked);
            assertTrue(asked.stream().allMatch(m -> m.startsWith("Approve the call to echo")), asked.toString());
            List<Long> perPod = front.servedPerBackend();
            assertTrue(perPod.get(0) > 0 && perPod.get(1) > 0, perPod.toString());
        }
    }

    /**
     * The official conformance suite's multi-round-trip scenarios ({@code input-required-result-*}, 2026-07-28) through
     * both pods: every one that passes against the fixture directly passes through Warden with an approval rule in
     * the policy; and with Warden's own approval nested on the very call, a tampered {@code requestState} (Warden's
     * now) is still refused with a JSON-RPC error, as the scenario demands of any MRTR server.
     */
    @Test
    void theConformanceSuitesInputRequiredScenariosPassThroughPodsWithApprovalRules() throws Exception {
        Path out = work.resolve("conformance");
        String timeout = "20000";
        NodeTool.conformanceServer(fixture.url(), "2026-07-28", out.resolve("direct"), Duration.ofMinutes(5), "--timeout", timeout);
        try (Balancer beside = Balancer.perRequest(List.of(a.port(), b.port()), besideToken);
             Balancer nested = Balancer.perRequest(List.of(a.port(), b.port()), nestedToken)) {
            NodeTool.conformanceServer("http://127.0.0.1:" + beside.port() + "/mcp/fixture", "2026-07-28", out.resolve("beside"),
                    Duration.ofMinutes(5), "--timeout", timeout);
            NodeTool.bin(Duration.ofMinutes(2), "conformance", "server", "--url", "http://127.0.0.1:" + nested.port()
                    + "/mcp/fixture", "--scenario", "input-required-result-tampered-state", "-o", out.resolve("nested").toString(),
                    "--timeout", timeout);
        }
        Map<String, ConformanceResults.Scenario> direct = ConformanceResults.read(out.resolve("direct"));
        Map<String, ConformanceResults.Scenario> through = ConformanceResults.read(out.resolve("beside"));
        List<String> mrtr = direct.keySet().stream().filter(n -> n.startsWith("input-required-result-")).toList();
        assertTrue(mrtr.size() >= 12, "the suite's MRTR scenarios ran directly: " + direct.keySet());
        List<String> problems = new ArrayList<>();
        for (String name : mrtr) {
            ConformanceResults.Scenario t = through.get(name);
            if (direct.get(name).outcome() == ConformanceResults.Outcome.PASS
                    && (t == null || t.outcome() != ConformanceResults.Outcome.PASS)) {
                problems.add(name + ": " + (t == null ? "no result" : t.cell()));
            }
        }
        assertTrue(problems.isEmpty(), "pass directly, not through Warden (results in " + out + "): " + problems);

        ConformanceResults.Scenario tampered = ConformanceResults.read(out.resolve("nested"))
                .get("input-required-result-tampered-state");
        assertNotNull(tampered, "no result in " + out.resolve("nested"));
        assertEquals(ConformanceResults.Outcome.PASS, tampered.outcome(), tampered.cell());
        List<String> refusals = new ArrayList<>(a.decisions());
        refusals.addAll(b.decisions());
        assertTrue(refusals.stream().anyMatch(l -> l.contains("requestState refused")),
                "the state refused was Warden's own, on one of the pods");
    }

    /**
     * Real clients (official TypeScript SDK v1 and v2, 2025 era) behind a front that sends every request to the next
     * pod in turn, so the call and the answer to Warden's elicitation land on different pods.
     */
    @Test
    void realClientsBehindARoundRobinFrontGetTheirApprovedCallsThrough() throws Exception {
        try (Balancer front = Balancer.perRequest(List.of(a.port(), b.port()), token)) {
            for (String sdk : new String[] {"v1", "v2"}) {
                Commands.Result run = NodeTool.node(Duration.ofSeconds(90), "clients/approval-client.mjs", "--sdk", sdk,
                        "--era", "legacy", "--url", "http://127.0.0.1:" + front.port() + "/mcp/fixture", "--token", token,
                        "--elicit", "accept", "--call", "echo", "--args", "{\"message\":\"rr-" + sdk + "\"}",
                        "--call", "echo", "--args", "{\"message\":\"rr2-" + sdk + "\"}");
                String line = run.output().lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElse("{}");
                JsonNode report = JSON.readTree(line);
                assertTrue(report.path("ok").asBoolean(), run.output());
                for (int i = 0; i < 2; i++) {
                    JsonNode call = report.get("calls").get(i);
                    assertFalse(call.path("isError").asBoolean(), sdk + ": " + call);
                    assertEquals((i == 0 ? "rr-" : "rr2-") + sdk, call.path("text").asText(), sdk + ": " + call);
                    assertEquals(1, call.get("forms").size(), sdk + ": " + call);
                }
            }
            List<Long> perPod = front.servedPerBackend();
            assertTrue(perPod.get(0) > 0 && perPod.get(1) > 0, perPod.toString());
        }
    }
}
