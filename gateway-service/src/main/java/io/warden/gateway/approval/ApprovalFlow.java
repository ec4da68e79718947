package io.warden.gateway.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.warden.api.DecisionEvent.Outcome;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.cluster.MessageBus;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.policy.ApprovalRequirement;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * What happens to a {@code tools/call} that policy holds for approval, in both protocol eras.
 *
 * <ul>
 *   <li>An approval is asked for (or the live one for the same call found). Approved already: the call runs once.</li>
 *   <li>Modern client with form elicitation: an {@code input_required} result with Warden's form under
 *       {@value #INPUT_KEY} and a sealed {@code requestState}; the retry (any pod) is checked against the state, the
 *       user's answer decides where the rule lets the user approve, otherwise the operator's decision is awaited.</li>
 *   <li>2025-era client with elicitation: the answer turns into an event stream carrying Warden's own
 *       {@code elicitation/create}; the client's answer may reach any pod, which hands it over the cluster bus.</li>
 *   <li>No elicitation: an isError result saying the approval is pending and how to approve; the same call retried after
 *       the approval passes once.</li>
 * </ul>
 *
 * A call runs only after its rate-limit tokens were taken and its approval consumed, in that order: a consume that fails
 * gives the tokens back. A held call ends on the approval's decision, its expiry, or the client leaving, never later.
 */
public final class ApprovalFlow {

    private static final Logger LOG = Logger.getLogger(ApprovalFlow.class);
    /** Warden's key among a modern answer's {@code inputRequests}, distinct from any upstream's. */
    public static final String INPUT_KEY = "gw/approval";
    /** Ids of Warden's own elicitation requests on 2025-era streams, so their answers are recognised on any pod. */
    public static final String ELICITATION_ID_PREFIX = "warden-approval-";
    static final String BUS_PREFIX = "approval-elicitation:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final Approvals approvals;
    private final StateSeal seal;
    private final ArgumentDigest digest;
    private final MessageBus bus;
    private final String gatewayId;
    private final UnaryOperator<String> howToApprove;
    private final Clock clock;
    private final Duration recheck;
    private final ApprovalMetrics metrics;
    private final Map<String, Set<Held>> held = new ConcurrentHashMap<>();

    /**
     * @param howToApprove from an approval id, one sentence telling the agent (and its user) how an operator approves
     * @param recheck      how often a held call asks for its approval again, in case a decision event was lost
     */
    public ApprovalFlow(Vertx vertx, Approvals approvals, StateSeal seal, ArgumentDigest digest, MessageBus bus,
                        String gatewayId, UnaryOperator<String> howToApprove, Clock clock, Duration recheck,
                        ApprovalMetrics metrics) {
        this.vertx = vertx;
        this.approvals = approvals;
        this.seal = seal;
        this.digest = digest;
        this.bus = bus;
        this.gatewayId = gatewayId;
        this.howToApprove = howToApprove;
        this.clock = clock;
        this.recheck = recheck;
        this.metrics = metrics;
        approvals.onDecision(this::decided);
    }

    /** True when a modern request carries Warden's own sealed state (a retry of an approval round). */
    public static boolean carriesOwnState(JsonRpc.Message m) {
        JsonNode s = m.params() == null ? null : m.params().get("requestState");
        return s != null && s.isTextual() && s.asText().startsWith(StateSeal.PREFIX);
    }

    /** True for a client's answer to one of Warden's own 2025-era elicitations. */
    public static boolean answersOwnElicitation(JsonRpc.Message m) {
        return m.isResponse() && m.id() != null && m.id().isTextual() && m.id().asText().startsWith(ELICITATION_ID_PREFIX);
    }

    /**
     * Params with Warden's own MRTR fields removed and what it kept for the upstream put back (for a retry that policy
     * no longer holds, or that was approved). An unreadable state is simply dropped: the upstream never sees it.
     */
    public ObjectNode withoutOwnState(ObjectNode params, String grantId, String serverId, String tool) {
        JsonNode args = params.get("arguments");
        StateSeal.Opened o = seal.open(params.path("requestState").asText(null), grantId, serverId, tool, digest.of(args));
        return forwardParams(params, o.ticket());
    }

    // ---- the call -------------------------------------------------------------------------------

    /** A call policy holds for approval: its first round, or a modern retry carrying Warden's state. */
    public void start(ApprovalCall call) {
        String argumentDigest = digest.of(call.arguments());
        if (call.modern() && carriesOwnState(call.message())) {
            retry(call, argumentDigest);
        } else {
            first(call, argumentDigest);
        }
    }

    private void first(ApprovalCall call, String argumentDigest) {
        ApprovalRequirement req = call.requirement();
        ApprovalRequest.Builder r = ApprovalRequest.newBuilder()
                .setGatewayId(gatewayId).setRequestId(call.decisionId())
                .setGrantId(call.grantId()).setGrantLabel(nz(call.grantLabel()))
                .setServer(call.serverId()).setTool(call.tool()).setArgumentDigest(argumentDigest)
                .addAllArgumentKeys(ArgumentDigest.keys(call.arguments()))
                .setPolicyId(nz(call.policyId())).setPolicyVersion(call.policyVersion())
                .setRule(nz(req.rule())).setReason(nz(req.reason())).setTimeoutMillis(req.timeoutMillis())
                .setApprover(req.approver() == ApprovalRequirement.Approver.USER ? Approver.USER : Approver.OPERATOR);
        if (call.arguments() != null) {
            r.setArgumentsJson(call.arguments().toString()); // for approvers only; policy-service stores it encrypted
        }
        on(call, approvals.request(r.build()), a -> {
            switch (a.getState()) {
                case APPROVED -> runApproved(call, a, argumentDigest, null);
                case PENDING -> pending(call, a, argumentDigest);
                // a standing denial (with its comment), or a state that lets nothing through
                default -> settle(call, a, argumentDigest, null, false);
            }
        });
    }

    private void pending(ApprovalCall call, Approval a, String argumentDigest) {
        if (call.modern() && call.elicitsForm()) {
            metrics.requested();
            call.record(Outcome.APPROVAL_REQUIRED, a.getReason());
            call.answer(inputRequired(call, a, argumentDigest));
        } else if (!call.modern() && call.elicitsForm()) {
            holdAndElicit(call, a, argumentDigest);
        } else {
            deny(call, Outcome.APPROVAL_REQUIRED, pendingText(a), null);
        }
    }

    /** The modern answer: Warden's form, and a sealed state binding this call (with the upstream's state nested). */
    private ObjectNode inputRequired(ApprovalCall call, Approval a, String argumentDigest) {
        ObjectNode params = call.message().params() instanceof ObjectNode p ? p : JsonRpc.NODES.objectNode();
        JsonNode upstreamState = params.get("requestState");
        JsonNode upstreamResponses = params.get("inputResponses");
        ApprovalTicket t = new ApprovalTicket(call.grantId(), call.serverId(), call.tool(), argumentDigest, a.getId(),
                a.getExpiresAtMillis(), StateSeal.newNonce(),
                upstreamState != null && upstreamState.isTextual() ? upstreamState.asText() : null,
                upstreamResponses instanceof ObjectNode o && !o.isEmpty() ? o.toString() : null);
        ObjectNode result = JsonRpc.NODES.objectNode();
        result.put("resultType", "input_required");
        ObjectNode request = result.putObject("inputRequests").putObject(INPUT_KEY);
        request.put("method", "elicitation/create");
        request.set("params", ApprovalTexts.form(call, a, true));
        result.put("requestState", seal.seal(t));
        return JsonRpc.result(call.message().id(), result);
    }

    /** A modern retry: the state must be intact, unexpired and this call's; then the answer and the approval decide. */
    private void retry(ApprovalCall call, String argumentDigest) {
        ObjectNode params = (ObjectNode) call.message().params();
        StateSeal.Opened opened = seal.open(params.get("requestState").asText(), call.grantId(), call.serverId(), call.tool(),
                argumentDigest);
        if (!opened.valid()) {
            // Like any MRTR server, a state that does not verify is an invalid request, not a tool result.
            metrics.refused(ApprovalMetrics.Cause.of(opened.refusal()));
            call.reject("requestState refused (" + opened.refusal().wire + "): send the original call again, without it",
                    opened.refusal().wire);
            return;
        }
        ApprovalTicket t = opened.ticket();
        boolean accepted = ApprovalTexts.accepted(params.path("inputResponses").get(INPUT_KEY));
        on(call, approvals.get(t.approvalId()), found -> {
            if (found.isEmpty()) {
                deny(call, Outcome.DENIED, "approval " + t.approvalId() + " no longer exists", ApprovalMetrics.Cause.UNUSABLE);
                return;
            }
            Approval a = found.get();
            if (!accepted) {
                if (a.getApprover() == Approver.USER && a.getState() == ApprovalState.PENDING) {
                    answerAsUser(a, call.grantId(), false); // the user's refusal is the decision
                }
                deny(call, Outcome.APPROVAL_DENIED, "the user declined the call to " + call.tool(), null);
                return;
            }
            if (a.getApprover() == Approver.USER && a.getState() == ApprovalState.PENDING) {
                on(call, answerAsUser(a, call.grantId(), true), decided -> settle(call, decided, argumentDigest, t, true));
            } else {
                settle(call, a, argumentDigest, t, true);
            }
        });
    }

    private CompletionStage<Approval> answerAsUser(Approval a, String grantId, boolean approve) {
        CompletionStage<Approval> s = approvals.answerAsUser(UserAnswer.newBuilder().setId(a.getId()).setGrantId(grantId)
                .setApprove(approve).setComment(approve ? "approved by the user" : "declined by the user").build());
        s.whenComplete((x, t) -> {
            if (t != null && !(t instanceof Approvals.UserMayNotDecide)) {
                LOG.debugf("the user's answer to approval %s was not taken: %s", a.getId(), t.toString());
            }
        });
        return s;
    }

    /** Where an approval stands decides the call: run it, deny it, or (pending, {@code mayHold}) wait for it. */
    private void settle(ApprovalCall call, Approval a, String argumentDigest, ApprovalTicket t, boolean mayHold) {
        switch (a.getState()) {
            case APPROVED -> runApproved(call, a, argumentDigest, t);
            case PENDING -> {
                if (!mayHold) {
                    deny(call, Outcome.APPROVAL_REQUIRED, pendingText(a), null);
                } else if (holdForDecision(call, a, argumentDigest, t, null) != null) {
                    metrics.requested();
                } // else the stream budget refused to hold it, and answered the call
            }
            case DENIED -> deny(call, Outcome.APPROVAL_DENIED, deniedText(a), null);
            case EXPIRED -> deny(call, Outcome.APPROVAL_EXPIRED, expiredText(call, a), null);
            case USED -> deny(call, Outcome.DENIED, "approval " + a.getId() + " was already used: it lets one call through once",
                    ApprovalMetrics.Cause.REPLAY);
            default -> deny(call, Outcome.DENIED, "approval " + a.getId() + " cannot be used", ApprovalMetrics.Cause.UNUSABLE);
        }
    }

    /** Tokens first, then the approval is spent; only a call that has both runs. */
    private void runApproved(ApprovalCall call, Approval a, String argumentDigest, ApprovalTicket t) {
        ObjectNode params = forwardParams((ObjectNode) call.message().params(), t);
        call.takeLimits(() -> on(call, approvals.consume(ConsumeRequest.newBuilder().setId(a.getId()).setGrantId(call.grantId())
                .setServer(call.serverId()).setTool(call.tool()).setArgumentDigest(argumentDigest).setGatewayId(gatewayId)
                .build()), reply -> {
            if (reply.getConsumed()) {
                String by = a.getDecidedBy().isEmpty() ? "an approver" : a.getDecidedBy();
                metrics.granted();
                call.record(Outcome.APPROVAL_GRANTED, "approval " + a.getId() + " granted by " + by);
                call.forward(params, by);
                return;
            }
            call.giveBackLimits();
            deny(call, refusalOutcome(reply), refusalText(a, reply), refusalCause(reply));
        }, call::giveBackLimits));
    }

    // ---- held calls -----------------------------------------------------------------------------

    /** One call waiting on this pod for an approval's decision. */
    private final class Held {
        final ApprovalCall call;
        final Context context;
        final Approval approval;
        final String argumentDigest;
        final ApprovalTicket ticket;
        final String elicitationId;
        long expiryTimer = -1;
        long recheckTimer = -1;
        boolean done;

        Held(ApprovalCall call, Approval approval, String argumentDigest, ApprovalTicket ticket, String elicitationId) {
            this.call = call;
            this.context = vertx.getOrCreateContext();
            this.approval = approval;
            this.argumentDigest = argumentDigest;
            this.ticket = ticket;
            this.elicitationId = elicitationId;
        }
    }

    /** 2025 era: the answer becomes an event stream carrying Warden's own elicitation, and the call waits. */
    private void holdAndElicit(ApprovalCall call, Approval a, String argumentDigest) {
        if (!call.hold(true)) {
            return;
        }
        metrics.requested();
        call.record(Outcome.APPROVAL_REQUIRED, a.getReason());
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String elicitationId = ELICITATION_ID_PREFIX + HexFormat.of().formatHex(random);
        Held h = holdForDecision(call, a, argumentDigest, null, elicitationId);
        if (h == null) {
            return;
        }
        ObjectNode request = JsonRpc.NODES.objectNode();
        request.put("jsonrpc", "2.0");
        request.put("id", elicitationId);
        request.put("method", "elicitation/create");
        request.set("params", ApprovalTexts.form(call, a, false));
        // Asked only once every pod can reach the holder, so a quick answer landing elsewhere is never lost.
        bus.register(BUS_PREFIX + elicitationId, b -> h.context.runOnContext(v -> elicitationAnswered(h, b)))
                .onComplete(ar -> h.context.runOnContext(v -> {
                    if (ar.failed()) {
                        LOG.warnf("Warden's elicitation %s is reachable on this pod only: %s", elicitationId, ar.cause().toString());
                    }
                    if (!h.done) {
                        call.send(request);
                    }
                }));
    }

    /** Waits for the approval's decision, its expiry (checked again at the time), or the client leaving. */
    private Held holdForDecision(ApprovalCall call, Approval a, String argumentDigest, ApprovalTicket t, String elicitationId) {
        if (elicitationId == null && !call.hold(false)) {
            return null;
        }
        Held h = new Held(call, a, argumentDigest, t, elicitationId);
        held.computeIfAbsent(a.getId(), k -> ConcurrentHashMap.newKeySet()).add(h);
        long untilExpiry = Math.max(1, a.getExpiresAtMillis() - clock.millis()) + 200; // the store's clock decides
        h.expiryTimer = vertx.setTimer(untilExpiry, x -> recheck(h, true));
        h.recheckTimer = vertx.setPeriodic(Math.max(100, recheck.toMillis()), x -> recheck(h, false));
        call.onGone(() -> release(h));
        return h;
    }

    private void recheck(Held h, boolean expiryDue) {
        if (h.done) {
            return;
        }
        approvals.get(h.approval.getId()).whenComplete((found, failure) -> h.context.runOnContext(v -> {
            if (h.done) {
                return;
            }
            if (failure != null) {
                if (expiryDue) { // the store is unreachable when the time is up: the call cannot wait longer
                    end(h, held -> deny(held.call, Outcome.APPROVAL_EXPIRED, expiredText(held.call, held.approval), null));
                }
                return;
            }
            Approval a = found.orElse(null);
            if (a == null) {
                end(h, held -> deny(held.call, Outcome.DENIED, "approval " + held.approval.getId() + " no longer exists",
                        ApprovalMetrics.Cause.UNUSABLE));
            } else if (a.getState() != ApprovalState.PENDING) {
                decidedHere(h, a);
            } else if (expiryDue) {
                end(h, held -> deny(held.call, Outcome.APPROVAL_EXPIRED, expiredText(held.call, a), null));
            }
        }));
    }

    /** A decision from the store's stream: every call held on this pod for that approval settles. */
    private void decided(Approval a) {
        Set<Held> waiting = held.get(a.getId());
        if (waiting == null) {
            return;
        }
        for (Held h : waiting) {
            h.context.runOnContext(v -> decidedHere(h, a));
        }
    }

    private void decidedHere(Held h, Approval a) {
        if (h.done || a.getState() == ApprovalState.PENDING) {
            return;
        }
        end(h, held -> settle(held.call, a, held.argumentDigest, held.ticket, false));
    }

    /** A 2025-era client's answer to Warden's elicitation, delivered to the pod holding the call. */
    private void elicitationAnswered(Held h, Buffer b) {
        if (h.done) {
            return;
        }
        JsonObject envelope;
        JsonNode response;
        try {
            envelope = b.toJsonObject();
            response = JsonRpc.MAPPER.readTree(envelope.getString("body"));
        } catch (RuntimeException | java.io.IOException e) {
            return; // not ours to trust
        }
        if (!h.call.grantId().equals(envelope.getString("grant"))) {
            LOG.warnf("An answer to elicitation %s came with another grant; ignored", h.elicitationId);
            return;
        }
        boolean accepted = ApprovalTexts.accepted(response.get("result"));
        Approval a = h.approval;
        if (!accepted) {
            if (a.getApprover() == Approver.USER) {
                answerAsUser(a, h.call.grantId(), false);
            }
            end(h, held -> deny(held.call, Outcome.APPROVAL_DENIED, "the user declined the call to " + held.call.tool(), null));
            return;
        }
        if (a.getApprover() != Approver.USER) {
            return; // the user agreed; the call still waits for an operator
        }
        answerAsUser(a, h.call.grantId(), true).whenComplete((decided, t) -> h.context.runOnContext(v -> {
            if (t == null) {
                decidedHere(h, decided);
            } else if (!(t instanceof Approvals.UserMayNotDecide)) {
                end(h, held -> held.call.deny(Outcome.GATEWAY_ERROR, "the approval could not be recorded right now; the call was not run"));
            }
        }));
    }

    /**
     * Hands a client's answer to Warden's elicitation to the pod holding the call. The grant travels along: the
     * holding pod accepts only the grant of the held call.
     */
    public Future<MessageBus.Delivery> deliverElicitationAnswer(JsonRpc.Message response, String grantId) {
        Buffer b = new JsonObject().put("grant", grantId).put("body", response.raw().toString()).toBuffer();
        return bus.send(BUS_PREFIX + response.id().asText(), b);
    }

    private void end(Held h, Consumer<Held> then) {
        if (h.done) {
            return;
        }
        release(h);
        then.accept(h);
    }

    private void release(Held h) {
        if (h.done) {
            return;
        }
        h.done = true;
        vertx.cancelTimer(h.expiryTimer);
        vertx.cancelTimer(h.recheckTimer);
        held.computeIfPresent(h.approval.getId(), (k, s) -> {
            s.remove(h);
            return s.isEmpty() ? null : s;
        });
        if (h.elicitationId != null) {
            bus.unregister(BUS_PREFIX + h.elicitationId);
        }
    }

    /** Calls held on this pod now (a gauge). */
    public int heldCalls() {
        return held.values().stream().mapToInt(Set::size).sum();
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Runs {@code then} on the call's context with the stage's value; a failed stage denies the call. */
    private <T> void on(ApprovalCall call, CompletionStage<T> stage, Consumer<T> then) {
        on(call, stage, then, () -> { });
    }

    private <T> void on(ApprovalCall call, CompletionStage<T> stage, Consumer<T> then, Runnable onFailure) {
        Context context = vertx.getOrCreateContext();
        stage.whenComplete((value, t) -> context.runOnContext(v -> {
            if (t == null) {
                then.accept(value);
                return;
            }
            LOG.warnf("approvals unavailable for server %s: %s", call.serverId(), t.toString());
            onFailure.run();
            call.deny(Outcome.GATEWAY_ERROR, "approvals cannot be reached right now; the call was not run. Retry shortly");
        }));
    }

    /** The params that go upstream: Warden's state and answer removed, the upstream's own put back. */
    static ObjectNode forwardParams(ObjectNode params, ApprovalTicket t) {
        ObjectNode out = params.deepCopy();
        JsonNode state = out.get("requestState");
        if (state != null && state.isTextual() && state.asText().startsWith(StateSeal.PREFIX)) {
            out.remove("requestState");
        }
        ObjectNode responses = out.get("inputResponses") instanceof ObjectNode r ? r : null;
        if (responses != null) {
            responses.remove(INPUT_KEY);
        }
        if (t != null && t.upstreamState() != null) {
            out.put("requestState", t.upstreamState());
        }
        if (t != null && t.upstreamResponses() != null) {
            try {
                JsonNode kept = JsonRpc.MAPPER.readTree(t.upstreamResponses());
                if (kept instanceof ObjectNode k) {
                    if (responses == null) {
                        responses = out.putObject("inputResponses");
                    }
                    for (Map.Entry<String, JsonNode> e : k.properties()) {
                        if (!responses.has(e.getKey())) {
                            responses.set(e.getKey(), e.getValue());
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // sealed by a gateway, so readable; never forwarded half-read
            }
        }
        if (responses != null && responses.isEmpty()) {
            out.remove("inputResponses");
        }
        return out;
    }

    private String pendingText(Approval a) {
        return "approval pending: id " + a.getId() + " (" + a.getReason() + "). " + howToApprove.apply(a.getId())
                + " Then retry the same call with the same arguments: the approval lets it through once, until "
                + Instant.ofEpochMilli(a.getExpiresAtMillis()) + ".";
    }

    private static String deniedText(Approval a) {
        String by = a.getDecidedBy().isEmpty() ? "an approver" : a.getDecidedBy();
        return "approval " + a.getId() + " denied by " + by + (a.getComment().isEmpty() ? "" : ": " + a.getComment());
    }

    private static String expiredText(ApprovalCall call, Approval a) {
        long minutes = Math.max(1, (a.getExpiresAtMillis() - a.getRequestedAtMillis() + 59_999) / 60_000);
        return "approval " + a.getId() + " expired: nobody approved the call to " + call.tool() + " within "
                + (a.getExpiresAtMillis() - a.getRequestedAtMillis() < 120_000
                ? (a.getExpiresAtMillis() - a.getRequestedAtMillis()) / 1000 + "s" : minutes + " min");
    }

    /** Denies the call and counts it: by outcome, and a plain refusal by its cause. */
    private void deny(ApprovalCall call, Outcome outcome, String message, ApprovalMetrics.Cause cause) {
        switch (outcome) {
            case APPROVAL_REQUIRED -> metrics.requested();
            case APPROVAL_DENIED -> metrics.denied();
            case APPROVAL_EXPIRED -> metrics.expired();
            default -> {
                if (cause != null) {
                    metrics.refused(cause);
                }
            }
        }
        call.deny(outcome, message);
    }

    private static ApprovalMetrics.Cause refusalCause(ConsumeReply r) {
        return switch (r.getRefusal()) {
            case "already_used" -> ApprovalMetrics.Cause.REPLAY;
            case "mismatch" -> ApprovalMetrics.Cause.OTHER_ARGUMENTS;
            default -> ApprovalMetrics.Cause.UNUSABLE;
        };
    }

    private static Outcome refusalOutcome(ConsumeReply r) {
        return switch (r.getRefusal()) {
            case "expired" -> Outcome.APPROVAL_EXPIRED;
            case "not_approved" -> r.getState() == ApprovalState.DENIED ? Outcome.APPROVAL_DENIED : Outcome.DENIED;
            default -> Outcome.DENIED;
        };
    }

    private static String refusalText(Approval a, ConsumeReply r) {
        return switch (r.getRefusal()) {
            case "already_used" -> "approval " + a.getId() + " was already used: it lets one call through once";
            case "expired" -> "approval " + a.getId() + " expired before the call could run";
            case "mismatch" -> "approval " + a.getId() + " is for another call (grant, tool or arguments differ)";
            case "not_found" -> "approval " + a.getId() + " no longer exists";
            default -> "approval " + a.getId() + " is not approved";
        };
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
