package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.e2e.EventStream.Event;
import io.warden.stack.Balancer;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeTool;
import io.warden.testsupport.mcp.RawMcpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Approvals in connected mode, all packaged: two gateway pods (shared Redis, digest key and session keys) keep their
 * approvals in policy-service over gRPC, an operator with a {@code policy_manager} key decides through policy-service's
 * REST API; policy-service and a gateway pod are restarted under waiting approvals.
 * The team's policy makes every echo wait for an operator.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectedApprovalIT extends ConnectedBed {

    /** The machine running this may be heavily loaded: a generous ceiling, never a sleep. */
    static final Duration LONG = Duration.ofSeconds(60);
    static final String ASK_AN_OPERATOR = """
            {"version": "1", "default": "allow", "tools": {"echo": {"approval": [
              {"name": "every-echo", "conditions": [], "reason": "An operator confirms every echo.", "timeout": "30m"}]}}}
            """;
    private static final Pattern APPROVAL_ID = Pattern.compile("apr_[A-Za-z0-9_-]+");

    String managerKey;

    @Override
    boolean podsShareRedis() {
        return true;
    }

    @BeforeAll
    void everyEchoWaitsForAnOperator() {
        managerKey = policy.call("POST", "/api/members", "{\"label\": \"approver\", \"role\": \"policy_manager\"}")
                .path("key").asText();
        policy.call("POST", "/api/policies/team/versions", ASK_AN_OPERATOR);
        for (GatewayProcess gw : new GatewayProcess[] {a, b}) {
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertNotNull(pendingId(echo(gw, "probe")), gw + " does not ask for approvals yet"));
        }
    }

    /** (a) and (d): a 2025-era client without elicitation, an out-of-band approval, one retry on the other pod. */
    @Test
    @Order(1)
    void anApprovedCallRunsOnceOnAnyPodAndThenNeedsANewApproval() throws Exception {
        String message = "refund-" + UUID.randomUUID();
        JsonNode first = echo(a, message);
        String id = pendingId(first);
        assertNotNull(id, "the call waits for an approval: " + first);
        assertTrue(text(first).contains("POST /api/approvals/" + id + "/approve"), "says how to approve: " + first);
        assertFalse(text(first).contains(message), "never echoes the arguments while pending: " + first);

        JsonNode listed = find(policy.call("GET", "/api/approvals?state=pending&grant=agent", null, managerKey), id);
        assertEquals("echo", listed.path("tool").asText(), listed.toString());
        assertEquals("fixture", listed.path("server").asText(), listed.toString());
        assertTrue(listed.path("rule").asText().endsWith("/every-echo"), listed.toString());
        assertEquals(message, listed.path("arguments").path("message").asText(), "an approver sees the values: " + listed);

        // Retried before anyone decided: still the same pending approval, on either pod.
        assertEquals(id, pendingId(echo(b, message)));

        JsonNode approved = policy.call("POST", "/api/approvals/" + id + "/approve", "{\"comment\": \"fine\"}", managerKey);
        assertEquals("approved", approved.path("state").asText(), approved.toString());

        JsonNode retried = echo(b, message);
        assertFalse(retried.path("isError").asBoolean(false), "the approved retry runs: " + retried);
        assertEquals(message, text(retried), retried.toString());
        assertEquals("used", policy.call("GET", "/api/approvals/" + id, null, managerKey).path("state").asText());

        JsonNode third = echo(a, message);
        String next = pendingId(third);
        assertNotNull(next, "an approval lets one call through, once: " + third);
        assertNotEquals(id, next);

        // (d) each pod's decision log tells the story: asked for on A, granted on B.
        await().atMost(LONG).untilAsserted(() -> {
            assertTrue(echoEvents(a, "approval_required").stream().anyMatch(e -> e.path("message").asText().contains(
                    "An operator confirms every echo.")), String.join("\n", a.decisions()));
            assertTrue(echoEvents(b, "approval_granted").stream().anyMatch(e -> e.path("message").asText().contains(id)),
                    String.join("\n", b.decisions()));
        });
    }

    /** (b): a 2025-era client holding its call (it declared elicitation) hears the operator's denial and comment. */
    @Test
    @Order(2)
    void aDenialEndsTheHeldCallWithTheOperatorsComment() throws Exception {
        String message = "deny-" + UUID.randomUUID();
        try (EventStream held = EventStream.post(a.mcpUrl("fixture"), ApprovalIT.elicitingSession(a.mcpUrl("fixture"), token),
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
                        + "{\"message\":\"" + message + "\"}}}")) {
            assertEquals(200, held.status());
            Event ask = held.await(LONG, e -> e.data().contains("elicitation/create"));
            Matcher m = APPROVAL_ID.matcher(PolicyServiceProcess.JSON.readTree(ask.data()).at("/params/message").asText());
            assertTrue(m.find(), ask.data());
            String id = m.group();

            policy.call("POST", "/api/approvals/" + id + "/deny", "{\"comment\": \"not on a Friday\"}", managerKey);

            Event result = held.await(LONG, e -> e.data().contains("\"id\":2"));
            JsonNode answer = PolicyServiceProcess.JSON.readTree(result.data()).path("result");
            assertTrue(answer.path("isError").asBoolean(), result.data());
            assertTrue(text(answer).contains("denied") && text(answer).contains("not on a Friday"), result.data());
            assertFalse(result.data().contains(message), "the upstream never ran: " + result.data());
        }
        await().atMost(LONG).untilAsserted(() -> assertFalse(echoEvents(a, "approval_denied").isEmpty(),
                String.join("\n", a.decisions())));

        // The same call retried on the other pod by a client without elicitation hears the standing denial and its
        // comment, rather than a fresh "approval pending".
        JsonNode retried = echo(b, message);
        assertNull(pendingId(retried), "a denial stands: " + retried);
        assertTrue(retried.path("isError").asBoolean(false), retried.toString());
        assertTrue(text(retried).contains("not on a Friday"), retried.toString());
    }

    /** (c): the approval is policy-service's durable record; restarting policy-service loses nothing. */
    @Test
    @Order(3)
    void aPendingApprovalSurvivesAPolicyServiceRestart() {
        String message = "restart-" + UUID.randomUUID();
        String id = pendingId(echo(a, message));
        assertNotNull(id);

        policy.stop();
        policy.start();

        assertEquals("pending", policy.call("GET", "/api/approvals/" + id, null, managerKey).path("state").asText());
        policy.call("POST", "/api/approvals/" + id + "/approve", null, managerKey);
        // The pods reconnect on their own; until then a call is refused (never let through), so retry until it runs.
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode r = echo(b, message);
            assertEquals(message, text(r), r.toString());
        });
        assertEquals("used", policy.call("GET", "/api/approvals/" + id, null, managerKey).path("state").asText());
    }

    /**
     * (c) for the other half: a gateway pod dies (SIGKILL) while calls wait for approval, and its replacement finishes
     * them. The 2025-era retry matches its approval by argument digest (the deployment's shared digest key); the
     * modern retry brings Warden's sealed requestState, which the new process opens with the shared session keys.
     */
    /**
     * (a) for modern clients across pods: the official TypeScript SDK v2 pinned to 2026-07-28, behind a front that sends
     * each request to the other pod. Warden's form comes from one pod; the client's "yes" does not decide (the rule
     * wants an operator), so its retry waits on the other pod until the operator approves, then runs there.
     */
    @Test
    @Order(4)
    void aModernClientsRetryWaitsOnTheOtherPodForTheOperator() throws Exception {
        String message = "modern-" + UUID.randomUUID();
        String[] id = new String[1];
        try (Balancer front = Balancer.perRequest(List.of(a.port(), b.port()), token)) {
            CompletableFuture<Commands.Result> run = CompletableFuture.supplyAsync(() -> NodeTool.node(Duration.ofSeconds(150),
                    "clients/approval-client.mjs", "--sdk", "v2", "--era", "modern", "--timeout-ms", "120000",
                    "--url", "http://127.0.0.1:" + front.port() + "/mcp/fixture", "--token", token, "--elicit", "accept",
                    "--call", "echo", "--args", "{\"message\":\"" + message + "\"}"));
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (JsonNode n : policy.call("GET", "/api/approvals?state=pending&grant=agent", null, managerKey)) {
                    if (message.equals(n.path("arguments").path("message").asText())) {
                        id[0] = n.path("id").asText();
                    }
                }
                assertNotNull(id[0], "the call asks for an approval");
            });
            policy.call("POST", "/api/approvals/" + id[0] + "/approve", "{\"comment\": \"go ahead\"}", managerKey);

            Commands.Result r = run.get(150, TimeUnit.SECONDS);
            String line = r.output().lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElse("{}");
            JsonNode report = PolicyServiceProcess.JSON.readTree(line);
            assertTrue(report.path("ok").asBoolean(), r.output());
            JsonNode call = report.path("calls").path(0);
            assertFalse(call.path("isError").asBoolean() || call.path("threw").asBoolean(), call.toString());
            assertEquals(message, call.path("text").asText(), call.toString());
            assertEquals(1, call.path("forms").size(), "Warden's form, once: " + call);
            List<Long> perPod = front.servedPerBackend();
            assertTrue(perPod.get(0) > 0 && perPod.get(1) > 0, perPod.toString());
        }
        assertEquals("used", policy.call("GET", "/api/approvals/" + id[0], null, managerKey).path("state").asText());
    }

    @Test
    @Order(5)
    void approvalsAndTheirSealedStateSurviveAGatewayRestart() throws Exception {
        String legacyMessage = "pod-restart-" + UUID.randomUUID();
        String legacyId = pendingId(echo(a, legacyMessage));
        assertNotNull(legacyId);

        String modernMessage = "pod-restart-modern-" + UUID.randomUUID();
        RawMcpClient.Exchange asked = modernEcho(a, modernMessage, null);
        JsonNode round = asked.response().path("result");
        assertEquals("input_required", round.path("resultType").asText(), asked.body());
        String state = round.path("requestState").asText();
        Matcher m = APPROVAL_ID.matcher(round.at("/inputRequests/gw~1approval/params/message").asText());
        assertTrue(m.find(), asked.body());
        String modernId = m.group();

        a.kill();
        a = gateway("a-restarted");
        a.awaitHealthy();
        for (String id : List.of(legacyId, modernId)) {
            assertEquals("approved", policy.call("POST", "/api/approvals/" + id + "/approve", null, managerKey)
                    .path("state").asText());
        }

        // The new pod may still be fetching its snapshot; until then a call is refused (never let through).
        await().atMost(LONG).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode legacy = echo(a, legacyMessage);
            assertNotNull(legacy, "the grant is not known yet");
            assertEquals(legacyMessage, text(legacy), legacy.toString());
        });
        RawMcpClient.Exchange retried = modernEcho(a, modernMessage, state);
        assertEquals(modernMessage, text(retried.response().path("result")), retried.body());
        for (String id : List.of(legacyId, modernId)) {
            assertEquals("used", policy.call("GET", "/api/approvals/" + id, null, managerKey).path("state").asText());
        }
    }

    /** A 2026-07-28 echo from a client that declared elicitation; with {@code state}, the retry that accepts Warden's form. */
    RawMcpClient.Exchange modernEcho(GatewayProcess gw, String message, String state) {
        RawMcpClient client = new RawMcpClient(gw.mcpUrl("fixture")).header("Authorization", "Bearer " + token);
        ObjectNode params = PolicyServiceProcess.JSON.createObjectNode().put("name", "echo");
        params.putObject("arguments").put("message", message);
        params.putObject("_meta").putObject("io.modelcontextprotocol/clientCapabilities").putObject("elicitation");
        if (state != null) {
            params.put("requestState", state);
            params.putObject("inputResponses").putObject("gw/approval").put("action", "accept")
                    .putObject("content").put("approve", true);
        }
        RawMcpClient.Exchange x = client.modernRequest("tools/call", params);
        assertEquals(200, x.status(), x.body());
        return x;
    }

    /** The approval id of an "approval pending" isError result, or null for any other result. */
    static String pendingId(JsonNode result) {
        if (result == null || !result.path("isError").asBoolean(false) || !text(result).contains("approval pending: id ")) {
            return null;
        }
        Matcher m = APPROVAL_ID.matcher(text(result));
        return m.find() ? m.group() : null;
    }

    static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    static JsonNode find(JsonNode list, String id) {
        for (JsonNode n : list) {
            if (id.equals(n.path("id").asText())) {
                return n;
            }
        }
        throw new AssertionError(id + " not listed: " + list);
    }

    /** A gateway's decision events for the echo tool with one outcome. */
    static List<JsonNode> echoEvents(GatewayProcess gw, String outcome) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (String line : gw.decisions()) {
            JsonNode e = PolicyServiceProcess.JSON.readTree(line);
            if ("echo".equals(e.path("tool").asText()) && outcome.equals(e.path("outcome").asText())) {
                found.add(e);
            }
        }
        return found;
    }
}
