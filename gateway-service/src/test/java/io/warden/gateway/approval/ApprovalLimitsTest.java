package io.warden.gateway.approval;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.warden.api.DecisionEvent;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.cluster.LocalMessageBus;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.policy.ApprovalRequirement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Limits and approval compose: an approved call's rate-limit tokens are taken when it is about to run, and given back
 * when it then does not run after all (its approval was spent by another call meanwhile, or could not be spent).
 * The proxy's side of it (tokens not taken while a call waits; a limit refusal keeps the approval) is in
 * ApprovalFlowTest; here the moment between taking tokens and spending the approval is held open on purpose.
 */
class ApprovalLimitsTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    Vertx vertx;
    LocalApprovals store;
    SimpleMeterRegistry registry;
    ArgumentDigest digest = ArgumentDigest.ephemeral();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        store = new LocalApprovals(Clock.systemUTC(), 100);
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() {
        store.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    ApprovalFlow flow(Approvals approvals) {
        return new ApprovalFlow(vertx, approvals, StateSeal.ephemeral(Clock.systemUTC()), digest, new LocalMessageBus(),
                "gw-test", id -> "Approve " + id + ".", Clock.systemUTC(), Duration.ofSeconds(1), new ApprovalMetrics(registry));
    }

    /** An approved approval for the one call every {@link HeldCall} makes. */
    String approved() {
        Approval a = store.request(ApprovalRequest.newBuilder().setGrantId("g").setServer("s").setTool("t")
                .setArgumentDigest(digest.of(HeldCall.ARGS)).setTimeoutMillis(60_000).build()).toCompletableFuture().join();
        store.decide(a.getId(), true, "", "alice");
        return a.getId();
    }

    double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void theCallThatLosesTheRaceForAnApprovalGetsItsTokensBack() {
        String id = approved();
        ApprovalFlow flow = flow(store);
        HeldCall first = new HeldCall();
        HeldCall second = new HeldCall();
        flow.start(first);
        flow.start(second);
        // Both found the approval approved and took their tokens; neither has spent it yet.
        await().atMost(WAIT).until(() -> first.admitted.size() == 1 && second.admitted.size() == 1);

        first.admitted.get(0).run();
        await().atMost(WAIT).until(() -> first.forwarded != null);
        second.admitted.get(0).run();
        await().atMost(WAIT).until(() -> second.denied != null);

        assertEquals(0, first.givenBack.size(), "the call that ran keeps its tokens");
        assertEquals(1, second.givenBack.size(), "the call that did not run gets its tokens back, once");
        assertEquals(DecisionEvent.Outcome.DENIED, second.outcome);
        assertTrue(second.denied.contains(id) && second.denied.contains("already used"), second.denied);
        assertNull(second.forwarded);
        assertEquals(1, counter(ApprovalMetrics.GRANTED));
        assertEquals(1, counter(ApprovalMetrics.REFUSED, "cause", "replay"));
    }

    @Test
    void whenTheApprovalCannotBeSpentTheTokensGoBackAndNothingRuns() {
        approved();
        Approvals unreachableOnSpend = new Approvals() {
            @Override
            public CompletionStage<Approval> request(ApprovalRequest r) {
                return store.request(r);
            }

            @Override
            public CompletionStage<Optional<Approval>> get(String id) {
                return store.get(id);
            }

            @Override
            public CompletionStage<ConsumeReply> consume(ConsumeRequest r) {
                return CompletableFuture.failedFuture(new IllegalStateException("policy-service went away"));
            }

            @Override
            public CompletionStage<Approval> answerAsUser(UserAnswer a) {
                return store.answerAsUser(a);
            }

            @Override
            public void onDecision(Consumer<Approval> listener) {
                store.onDecision(listener);
            }

            @Override
            public void close() {
            }
        };
        HeldCall call = new HeldCall();
        flow(unreachableOnSpend).start(call);
        await().atMost(WAIT).until(() -> call.admitted.size() == 1);
        call.admitted.get(0).run();
        await().atMost(WAIT).until(() -> call.denied != null);

        assertEquals(1, call.givenBack.size());
        assertEquals(DecisionEvent.Outcome.GATEWAY_ERROR, call.outcome);
        assertNull(call.forwarded);
        assertEquals(0, counter(ApprovalMetrics.GRANTED));
    }

    @Test
    void aCallThatWaitsTakesNoTokens() {
        HeldCall call = new HeldCall();
        flow(store).start(call);
        await().atMost(WAIT).until(() -> call.denied != null);
        assertEquals(DecisionEvent.Outcome.APPROVAL_REQUIRED, call.outcome);
        assertTrue(call.denied.contains("approval pending"), call.denied);
        assertEquals(0, call.admitted.size());
        assertEquals(0, call.givenBack.size());
        assertEquals(1, counter(ApprovalMetrics.REQUESTED));
    }

    /** A 2025-era call without elicitation whose limits step waits until the test lets it go on. */
    static final class HeldCall implements ApprovalCall {
        static final JsonNode ARGS = JsonRpc.NODES.objectNode().put("x", 1);

        final List<Runnable> admitted = new CopyOnWriteArrayList<>();
        final List<Boolean> givenBack = new CopyOnWriteArrayList<>();
        volatile String denied;
        volatile DecisionEvent.Outcome outcome;
        volatile ObjectNode forwarded;
        private final JsonRpc.Message message;

        HeldCall() {
            ObjectNode raw = JsonRpc.NODES.objectNode().put("jsonrpc", "2.0").put("id", 1).put("method", "tools/call");
            ObjectNode params = raw.putObject("params").put("name", "t");
            params.set("arguments", ARGS);
            message = new JsonRpc.Message(raw, raw.get("id"), "tools/call", params);
        }

        @Override public String grantId() { return "g"; }
        @Override public String grantLabel() { return "G"; }
        @Override public String serverId() { return "s"; }
        @Override public String tool() { return "t"; }
        @Override public JsonNode arguments() { return ARGS; }
        @Override public JsonRpc.Message message() { return message; }
        @Override public boolean modern() { return false; }
        @Override public boolean elicitsForm() { return false; }
        @Override public ApprovalRequirement requirement() {
            return new ApprovalRequirement("p/r", "needs a person", 60_000, ApprovalRequirement.Approver.OPERATOR);
        }
        @Override public String policyId() { return "p"; }
        @Override public int policyVersion() { return 1; }
        @Override public String decisionId() { return "d-1"; }
        @Override public void record(DecisionEvent.Outcome o, String m) { }

        @Override
        public void deny(DecisionEvent.Outcome o, String m) {
            outcome = o;
            denied = m;
        }

        @Override
        public void reject(String m, String reason) {
            outcome = DecisionEvent.Outcome.DENIED;
            denied = m;
        }

        @Override public void answer(ObjectNode m) { }
        @Override public void takeLimits(Runnable then) { admitted.add(then); }
        @Override public void giveBackLimits() { givenBack.add(true); }
        @Override public void forward(ObjectNode params, String by) { forwarded = params; }
        @Override public boolean hold(boolean events) { return true; }
        @Override public void send(ObjectNode m) { }
        @Override public void onGone(Runnable r) { }
    }
}
