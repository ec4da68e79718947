package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static io.warden.gateway.it.JavaSdk.text;
import static io.warden.gateway.it.Metrics.metric;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.modelcontextprotocol.spec.McpSchema;
import io.restassured.response.Response;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeTool;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Human approval through the gateway with real clients (official TypeScript SDK v1 and v2, both eras) against the
 * official TypeScript SDK fixture, in standalone mode: approvals in memory, decided through the admin endpoint.
 */
@QuarkusTest
@TestProfile(ApprovalFlowTest.Approvals.class)
class ApprovalFlowTest {

    /** Its own gateway: the global test bed's configuration stays out. */
    public static class Approvals implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ApprovalTestBed.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern APPROVAL_ID = Pattern.compile("apr_[0-9a-z]+");

    @TestHTTPResource("/mcp/fixture")
    URI url;

    /** Runs approval-client.mjs and returns its calls. */
    JsonNode client(String sdk, String era, String token, String elicit, String... callsAndArgs) {
        return client(List.of(), sdk, era, token, elicit, callsAndArgs);
    }

    JsonNode client(List<String> options, String sdk, String era, String token, String elicit, String... callsAndArgs) {
        List<String> args = new ArrayList<>(List.of("clients/approval-client.mjs", "--sdk", sdk, "--era", era, "--url",
                url.toString(), "--token", token, "--elicit", elicit));
        args.addAll(options);
        for (int i = 0; i < callsAndArgs.length; i += 2) {
            args.addAll(List.of("--call", callsAndArgs[i], "--args", callsAndArgs[i + 1]));
        }
        Commands.Result r = NodeTool.node(Duration.ofSeconds(90), args.toArray(String[]::new));
        String line = r.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("");
        try {
            JsonNode report = JSON.readTree(line);
            assertTrue(report.path("ok").asBoolean(), r.output());
            return report.get("calls");
        } catch (java.io.IOException e) {
            throw new AssertionError("no report from the client: " + r.output(), e);
        }
    }

    /** A raw 2026-07-28 tools/call of echo; the answer's JSON-RPC message (plain JSON or the last event). */
    JsonNode modernPost(String body) {
        return modernPost(ApprovalTestBed.USER_TOKEN, body);
    }

    JsonNode modernPost(String token, String body) {
        Response r = Mcp.modernHeaders(Mcp.client(token), "tools/call", "echo").body(body).post(url);
        assertEquals(200, r.statusCode(), r.asString());
        String text = r.asString();
        if (String.valueOf(r.contentType()).startsWith("text/event-stream")) {
            text = text.lines().filter(l -> l.startsWith("data:")).reduce((a, b) -> b).orElse("").substring(5).trim();
        }
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    static String approvalId(JsonNode call) {
        Matcher m = APPROVAL_ID.matcher(call.path("text").asText());
        assertTrue(m.find(), call.toString());
        return m.group();
    }

    static Response admin(String path, String body) {
        var spec = given().header("Authorization", "Bearer " + ApprovalTestBed.ADMIN_KEY);
        return body == null ? spec.post(path) : spec.contentType("application/json").body(body).post(path);
    }

    static java.util.Set<String> pendingIds() throws java.io.IOException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        JsonNode list = JSON.readTree(given().header("Authorization", "Bearer " + ApprovalTestBed.ADMIN_KEY)
                .get("/warden/approvals").asString()).get("approvals");
        list.forEach(a -> ids.add(a.get("id").asText()));
        return ids;
    }

    /** The pending approval that appears besides those already pending (other tests leave some). */
    static String newPending(java.util.Set<String> before) {
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            java.util.Set<String> now = pendingIds();
            now.removeAll(before);
            id[0] = now.stream().findFirst().orElse(null);
            return id[0] != null;
        });
        return id[0];
    }

    static List<String> outcomes() throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(ApprovalTestBed.decisions)) {
            JsonNode event = JSON.readTree(line);
            if (event.has("outcome")) { // heartbeats carry counters, not decisions
                out.add(event.get("outcome").asText());
            }
        }
        return out;
    }

    // ---- modern clients: input_required + sealed requestState ----------------------------------------------------

    @Test
    void modernUserApprovesThroughWardensForm() {
        JsonNode call = client("v2", "modern", ApprovalTestBed.USER_TOKEN, "accept", "echo", "{\"message\":\"top secret value\"}").get(0);
        assertFalse(call.path("threw").asBoolean(), call.toString());
        assertFalse(call.path("isError").asBoolean(), call.toString());
        assertEquals("top secret value", call.path("text").asText());
        assertEquals(1, call.get("forms").size(), "Warden asked once");
        JsonNode form = call.get("forms").get(0);
        assertEquals("form", form.path("mode").asText());
        assertTrue(form.path("message").asText().contains("echo") && form.path("message").asText().contains("message"));
        assertFalse(form.path("message").asText().contains("top secret"), "argument values never appear in the form");
        assertEquals("[\"approve\"]", form.get("fields").toString());
    }

    @Test
    void modernUserDeclines() {
        JsonNode call = client("v2", "modern", ApprovalTestBed.USER_TOKEN, "decline", "echo", "{\"message\":\"no\"}").get(0);
        assertTrue(call.path("isError").asBoolean(), call.toString());
        assertTrue(call.path("text").asText().startsWith("[POLICY DENIED]"), call.toString());
        assertTrue(call.path("text").asText().contains("declined"), call.toString());
        assertEquals("approval_denied", call.path("decision").path("outcome").asText());
    }

    /**
     * Every shape of upstream MRTR (the conformance suite's input-required-result fixtures) nested inside Warden's own
     * approval on the same call: Warden asks, the upstream asks (its own requests and requestState), Warden asks again
     * for the new leg, and so on; the upstream gets its state and answers back intact each round and completes.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "test_input_required_result_elicitation     | Hello, warden!                                           | 2 | 1",
            "test_input_required_result_sampling        | Sampling answer: Paris                                   | 2 | 0",
            "test_input_required_result_list_roots      | Client roots: file:///warden                             | 2 | 0",
            "test_input_required_result_request_state   | state-ok: confirmed=true                                 | 2 | 1",
            "test_input_required_result_multiple_inputs | All inputs received: name=warden, greeting=Paris, roots=1 | 2 | 1",
            "test_input_required_result_multi_round     | Multi-round complete: name=warden, color=warden          | 3 | 2"})
    void everyUpstreamMrtrShapeNestsInsideWardensApproval(String tool, String expected, int wardenForms, int upstreamForms) {
        JsonNode call = client(List.of("--mrtr"), "v2", "modern", ApprovalTestBed.USER_TOKEN, "accept", tool, "{}").get(0);
        assertFalse(call.path("threw").asBoolean() || call.path("isError").asBoolean(), call.toString());
        assertEquals(expected, call.path("text").asText(), call.toString());
        int warden = 0;
        for (JsonNode form : call.get("forms")) {
            warden += form.path("message").asText().startsWith("Approve the call to " + tool) ? 1 : 0;
        }
        assertEquals(wardenForms, warden, "Warden asks once per leg: " + call);
        assertEquals(upstreamForms, call.get("forms").size() - warden, "the upstream's own forms reach the user: " + call);
    }

    @Test
    void modernOperatorApprovalHoldsTheRetryUntilDecided() throws Exception {
        java.util.Set<String> before = pendingIds();
        CompletableFuture<JsonNode> running = CompletableFuture.supplyAsync(() ->
                client("v2", "modern", ApprovalTestBed.OPERATOR_TOKEN, "accept", "echo", "{\"message\":\"held\"}").get(0));
        String id = newPending(before);
        admin("/warden/approvals/" + id + "/approve", "{\"comment\":\"fine\",\"by\":\"alice\"}").then().statusCode(200)
                .body("state", equalTo("approved")).body("decided_by", equalTo("alice"));
        JsonNode call = running.get();
        assertFalse(call.path("isError").asBoolean(), call.toString());
        assertEquals("held", call.path("text").asText());
        assertTrue(outcomes().contains("approval_granted"));
    }

    static String refused(String cause) {
        return "warden_approvals_refused_total{cause=\"" + cause + "\"}";
    }

    @Test
    void aForgedReplayedOrBorrowedRequestStateIsRefused() {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
                + "{\"message\":\"x\"},\"requestState\":\"%s\",\"inputResponses\":{\"gw/approval\":{\"action\":\"accept\","
                + "\"content\":{\"approve\":true}}},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                + "\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{}}}}}";
        // A real state for this call first: Warden's input_required answer.
        JsonNode first = modernPost(body.replace(",\"requestState\":\"%s\",\"inputResponses\":{\"gw/approval\":"
                + "{\"action\":\"accept\",\"content\":{\"approve\":true}}}", ""));
        assertEquals("input_required", first.at("/result/resultType").asText(), first.toString());
        String state = first.at("/result/requestState").asText();
        char flipped = state.charAt(state.length() - 5) == 'A' ? 'B' : 'A';
        String forged = state.substring(0, state.length() - 5) + flipped + state.substring(state.length() - 4);
        double[] before = {metric(refused("forged_state")), metric(refused("other_arguments")), metric(refused("other_grant")),
                metric(refused("replay")), metric("warden_approvals_granted_total"), metric(refused("malformed_state"))};

        // A state that does not verify is an invalid request (JSON-RPC -32602), as the MRTR spec asks of any server.
        JsonNode refused = modernPost(body.formatted(forged));
        assertEquals(io.warden.gateway.mcp.JsonRpc.INVALID_PARAMS, refused.at("/error/code").asInt(), refused.toString());
        assertEquals("forged", refused.at("/error/data/reason").asText(), refused.toString());
        JsonNode tampered = modernPost(body.formatted(state + "-TAMPERED")); // what the conformance suite sends
        assertEquals(io.warden.gateway.mcp.JsonRpc.INVALID_PARAMS, tampered.at("/error/code").asInt(), tampered.toString());

        JsonNode otherArgs = modernPost(body.formatted(state).replace("{\"message\":\"x\"}", "{\"message\":\"y\"}"));
        assertEquals("other_call", otherArgs.at("/error/data/reason").asText(), otherArgs.toString());

        // Another grant (whose own policy also holds echo) presenting this grant's state gets nothing from it.
        JsonNode borrowed = modernPost(ApprovalTestBed.OPERATOR_TOKEN, body.formatted(state));
        assertEquals("other_grant", borrowed.at("/error/data/reason").asText(), borrowed.toString());

        JsonNode ok = modernPost(body.formatted(state));
        assertEquals("x", ok.at("/result/content/0/text").asText(), ok.toString());

        JsonNode replayed = modernPost(body.formatted(state));
        assertTrue(replayed.at("/result/isError").asBoolean(), replayed.toString());
        assertTrue(replayed.at("/result/content/0/text").asText().contains("already used"), replayed.toString());

        assertEquals(2, (metric(refused("forged_state")) - before[0]) + (metric(refused("malformed_state")) - before[5]),
                "the altered and the appended-to state are counted as bad state");
        assertEquals(1, metric(refused("other_arguments")) - before[1]);
        assertEquals(1, metric(refused("other_grant")) - before[2]);
        assertEquals(1, metric(refused("replay")) - before[3]);
        assertEquals(1, metric("warden_approvals_granted_total") - before[4]);
    }

    /** The cool-down: the same call asking again while its approval is pending finds that approval, from any thread. */
    @Test
    void concurrentIdenticalCallsShareOnePendingApproval() throws Exception {
        java.util.Set<String> before = pendingIds();
        double requested = metric("warden_approvals_requested_total");
        String args = "{\"message\":\"same-" + java.util.UUID.randomUUID() + "\"}";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int id = i;
                calls.add(CompletableFuture.supplyAsync(() ->
                        modernPost(ApprovalTestBed.OPERATOR_TOKEN, Mcp.modernCall(id, "echo", args)), pool));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (CompletableFuture<JsonNode> c : calls) {
                JsonNode answer = c.get();
                assertTrue(answer.at("/result/content/0/text").asText().contains("approval pending"), answer.toString());
                ids.add(approvalId(answer.at("/result/content/0")));
            }
            assertEquals(1, ids.size(), "one approval for one call, however often it asks: " + ids);
            java.util.Set<String> opened = pendingIds();
            opened.removeAll(before);
            assertEquals(ids, opened);
            assertEquals(8, metric("warden_approvals_requested_total") - requested, "every asking call is counted");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noInputRequestsForAClientWithoutElicitation() {
        JsonNode answer = modernPost(Mcp.modernCall(3, "echo", "{\"message\":\"m\"}"));
        assertEquals("complete", answer.at("/result/resultType").asText(), answer.toString());
        assertTrue(answer.at("/result/isError").asBoolean());
        assertTrue(answer.at("/result/content/0/text").asText().contains("approval pending"), answer.toString());
    }

    // ---- 2025-era clients ---------------------------------------------------------------------------------------

    @Test
    void legacyClientsAreHeldAndAskedByWardensElicitation() {
        for (String sdk : new String[] {"v1", "v2"}) {
            JsonNode call = client(sdk, "legacy", ApprovalTestBed.USER_TOKEN, "accept", "echo", "{\"message\":\"held-" + sdk + "\"}")
                    .get(0);
            assertFalse(call.path("isError").asBoolean(), sdk + ": " + call);
            assertEquals("held-" + sdk, call.path("text").asText());
            assertEquals(1, call.get("forms").size(), sdk);
        }
        JsonNode declined = client("v1", "legacy", ApprovalTestBed.USER_TOKEN, "decline", "echo", "{\"message\":\"d\"}").get(0);
        assertTrue(declined.path("isError").asBoolean(), declined.toString());
        assertTrue(declined.path("text").asText().contains("declined"), declined.toString());
    }

    @Test
    void outOfBandApprovalLetsTheSameCallThroughOnceForThatGrantOnly() {
        JsonNode pending = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none", "echo", "{\"message\":\"oob\"}").get(0);
        assertTrue(pending.path("isError").asBoolean(), pending.toString());
        assertTrue(pending.path("text").asText().contains("approval pending"), pending.toString());
        assertTrue(pending.path("text").asText().contains("/warden/approvals/"), pending.toString());
        String id = approvalId(pending);
        admin("/warden/approvals/" + id + "/approve", null).then().statusCode(200);

        JsonNode calls = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none",
                "echo", "{\"message\":\"other args\"}", "echo", "{\"message\":\"oob\"}", "echo", "{\"message\":\"oob\"}");
        assertTrue(calls.get(0).path("isError").asBoolean(), "other arguments need their own approval: " + calls);
        assertNotEquals(id, approvalId(calls.get(0)));
        assertFalse(calls.get(1).path("isError").asBoolean(), calls.toString());
        assertEquals("oob", calls.get(1).path("text").asText());
        assertTrue(calls.get(2).path("isError").asBoolean(), "one approval, one call: " + calls);
        assertNotEquals(id, approvalId(calls.get(2)));

        // Another grant with the same policy and the same arguments never uses this grant's approval.
        String second = approvalId(client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none", "echo", "{\"message\":\"g\"}").get(0));
        admin("/warden/approvals/" + second + "/approve", null).then().statusCode(200);
        JsonNode other = client("v1", "legacy", ApprovalTestBed.OTHER_OPERATOR_TOKEN, "none", "echo", "{\"message\":\"g\"}").get(0);
        assertTrue(other.path("isError").asBoolean(), other.toString());
        assertNotEquals(second, approvalId(other));
    }

    @Test
    void aHeldCallIsDeniedWithTheApproversComment() throws Exception {
        java.util.Set<String> before = pendingIds();
        CompletableFuture<JsonNode> running = CompletableFuture.supplyAsync(() ->
                client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "accept", "echo", "{\"message\":\"deny me\"}").get(0));
        String id = newPending(before);
        admin("/warden/approvals/" + id + "/deny", "{\"comment\":\"not today\",\"by\":\"bob\"}").then().statusCode(200);
        JsonNode call = running.get();
        assertTrue(call.path("isError").asBoolean(), call.toString());
        assertTrue(call.path("text").asText().contains("denied by bob: not today"), call.toString());
        assertTrue(outcomes().contains("approval_denied"));
    }

    @Test
    void aHeldCallTimesOutWithAClearDenialInBothErasAndEveryClient() throws Exception {
        // add: timeout 10s, operator only; the user's "yes" does not decide it, nobody else does. The modern client's
        // retry and the 2025-era held calls (TypeScript v1, Java SDK) wait on the same approval (same grant, tool,
        // arguments) and all hear of its expiry.
        double expired = metric("warden_approvals_expired_total");
        CompletableFuture<JsonNode> modern = CompletableFuture.supplyAsync(() ->
                client("v2", "modern", ApprovalTestBed.OPERATOR_TOKEN, "accept", "add", "{\"a\":1,\"b\":2}").get(0));
        List<String> askedJava = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<McpSchema.CallToolResult> javaCall = CompletableFuture.supplyAsync(() -> {
            try (var client = javaClient(ApprovalTestBed.OPERATOR_TOKEN, McpSchema.ElicitResult.Action.ACCEPT, askedJava)) {
                return client.callTool(new McpSchema.CallToolRequest("add", java.util.Map.of("a", 1, "b", 2)));
            }
        });
        JsonNode legacy = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "accept", "add", "{\"a\":1,\"b\":2}").get(0);
        for (JsonNode call : List.of(legacy, modern.get())) {
            assertTrue(call.path("isError").asBoolean(), call.toString());
            assertTrue(call.path("text").asText().contains("expired: nobody approved the call to add within 10s"), call.toString());
            assertEquals(1, call.get("forms").size(), "Warden asked once: " + call);
        }
        McpSchema.CallToolResult fromJava = javaCall.get();
        assertTrue(Boolean.TRUE.equals(fromJava.isError()), fromJava.toString());
        assertTrue(text(fromJava).contains("expired: nobody approved the call to add within 10s"), fromJava.toString());
        assertEquals(1, askedJava.size(), askedJava.toString());
        assertTrue(outcomes().contains("approval_expired"));
        assertEquals(3, metric("warden_approvals_expired_total") - expired);
    }

    /** Without elicitation, in either era of the TypeScript SDK v2: told to wait, approved out of band, retried once. */
    @Test
    void theV2ClientWithoutElicitationRetriesAfterAnOutOfBandApprovalInBothEras() {
        for (String era : new String[] {"legacy", "modern"}) {
            String args = "{\"message\":\"oob-v2-" + era + "\"}";
            JsonNode pending = client("v2", era, ApprovalTestBed.OPERATOR_TOKEN, "none", "echo", args).get(0);
            assertTrue(pending.path("isError").asBoolean() && pending.path("text").asText().contains("approval pending"),
                    era + ": " + pending);
            String id = approvalId(pending);
            admin("/warden/approvals/" + id + "/approve", null).then().statusCode(200);
            JsonNode calls = client("v2", era, ApprovalTestBed.OPERATOR_TOKEN, "none", "echo", args, "echo", args);
            assertEquals("oob-v2-" + era, calls.get(0).path("text").asText(), era + ": " + calls);
            assertFalse(calls.get(0).path("isError").asBoolean(), era + ": " + calls);
            assertTrue(calls.get(1).path("isError").asBoolean(), "one approval, one call: " + calls);
            assertNotEquals(id, approvalId(calls.get(1)));
        }
    }

    /** The official Java SDK (2025 era), declaring elicitation when given an answer to give, else not. */
    io.modelcontextprotocol.client.McpSyncClient javaClient(String token, McpSchema.ElicitResult.Action answer, List<String> asked) {
        var transport = io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport
                .builder(url.resolve("/").toString()).endpoint("/mcp/fixture")
                .requestBuilder(java.net.http.HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
                .build();
        var spec = io.modelcontextprotocol.client.McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30));
        if (answer != null) {
            spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build()).elicitation(request -> {
                asked.add(request.message());
                return new McpSchema.ElicitResult(answer,
                        answer == McpSchema.ElicitResult.Action.ACCEPT ? java.util.Map.of("approve", true) : null);
            });
        }
        var client = spec.build();
        client.initialize();
        return client;
    }

    static McpSchema.CallToolRequest echo(String message) {
        return new McpSchema.CallToolRequest("echo", java.util.Map.of("message", message));
    }

    @Test
    void theJavaSdkIsHeldAndAskedToo() {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var client = javaClient(ApprovalTestBed.USER_TOKEN, McpSchema.ElicitResult.Action.ACCEPT, asked)) {
            var result = client.callTool(echo("from java"));
            assertFalse(Boolean.TRUE.equals(result.isError()), result.toString());
            assertEquals("from java", text(result));
            assertEquals(1, asked.size());
            assertTrue(asked.get(0).contains("Approve the call to echo"), asked.toString());
        }
        asked.clear();
        try (var client = javaClient(ApprovalTestBed.USER_TOKEN, McpSchema.ElicitResult.Action.DECLINE, asked)) {
            var result = client.callTool(echo("java says no"));
            assertTrue(Boolean.TRUE.equals(result.isError()), result.toString());
            assertTrue(text(result).contains("declined"), result.toString());
            assertEquals(1, asked.size());
        }
    }

    @Test
    void theJavaSdkWithoutElicitationIsToldToWaitThenItsRetryRunsOnce() {
        try (var client = javaClient(ApprovalTestBed.OPERATOR_TOKEN, null, null)) {
            var pending = client.callTool(echo("java oob"));
            assertTrue(Boolean.TRUE.equals(pending.isError()), pending.toString());
            Matcher m = APPROVAL_ID.matcher(text(pending));
            assertTrue(text(pending).contains("approval pending") && m.find(), pending.toString());
            String id = m.group();
            admin("/warden/approvals/" + id + "/approve", null).then().statusCode(200);

            var ran = client.callTool(echo("java oob"));
            assertFalse(Boolean.TRUE.equals(ran.isError()), ran.toString());
            assertEquals("java oob", text(ran));
            var again = client.callTool(echo("java oob"));
            assertTrue(Boolean.TRUE.equals(again.isError()) && text(again).contains("approval pending"), again.toString());
            assertFalse(text(again).contains(id), "a used approval lets nothing else through: " + again);
        }
    }

    @Test
    void rateLimitTokensAreTakenWhenTheCallRunsNotWhileItWaits() {
        // region_echo: operator approval, and one call per hour. Waiting calls take no token.
        JsonNode waiting = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none",
                "region_echo", "{\"region\":\"eu\"}", "region_echo", "{\"region\":\"eu\"}");
        String id = approvalId(waiting.get(0));
        assertEquals(id, approvalId(waiting.get(1)), "a retried call finds the same approval");
        admin("/warden/approvals/" + id + "/approve", null).then().statusCode(200);
        JsonNode ran = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none", "region_echo", "{\"region\":\"eu\"}").get(0);
        assertEquals("region=eu", ran.path("text").asText(), ran.toString());

        // The hour's token is spent: an approved call is refused by the limit and keeps its approval for later.
        String second = approvalId(client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none", "region_echo",
                "{\"region\":\"us\"}").get(0));
        admin("/warden/approvals/" + second + "/approve", null).then().statusCode(200);
        JsonNode limited = client("v1", "legacy", ApprovalTestBed.OPERATOR_TOKEN, "none", "region_echo", "{\"region\":\"us\"}").get(0);
        assertTrue(limited.path("isError").asBoolean(), limited.toString());
        assertFalse(limited.path("text").asText().contains("approval"), "refused by the limit, not the approval: " + limited);
    }

    // ---- the admin endpoint -------------------------------------------------------------------------------------

    @Test
    void theAdminEndpointNeedsItsKeyAndAnswersProblems() {
        given().post("/warden/approvals/apr_x/approve").then().statusCode(401)
                .contentType("application/problem+json").body("status", equalTo(401));
        given().header("Authorization", "Bearer wrong").get("/warden/approvals").then().statusCode(401);
        admin("/warden/approvals/apr_missing/approve", null).then().statusCode(404).contentType("application/problem+json");
        admin("/warden/approvals/apr_missing/maybe", null).then().statusCode(404);
        admin("/warden/approvals/apr_missing/approve", "[1,2]").then().statusCode(400).contentType("application/problem+json");
        admin("/warden/approvals/apr_missing/approve", "{\"comment\":5}").then().statusCode(400);
    }
}
