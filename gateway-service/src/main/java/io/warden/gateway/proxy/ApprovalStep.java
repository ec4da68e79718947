package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.warden.api.DecisionEvent;
import io.warden.gateway.approval.ApprovalCall;
import io.warden.gateway.approval.ApprovalFlow;
import io.warden.gateway.approval.ClientElicitation;
import io.warden.gateway.bridge.EraTranslation;
import io.warden.gateway.cluster.MessageBus;
import io.warden.gateway.mcp.Denials;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.SseEvent;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.ratelimit.RefundRule;
import io.warden.policy.ApprovalRequirement;
import io.warden.policy.Decision;
import io.warden.policy.Outcome;

/**
 * The proxy's approval step: hands a call that policy holds for approval to {@link ApprovalFlow}, routes a 2025-era
 * client's answer to Warden's own elicitation to the pod holding the call, and keeps Warden's MRTR fields from ever
 * reaching an upstream when policy no longer holds a retried call.
 */
final class ApprovalStep {

    private final McpProxy proxy;
    private final ApprovalFlow flow;

    ApprovalStep(McpProxy proxy, ApprovalFlow flow) {
        this.proxy = proxy;
        this.flow = flow;
    }

    /** True when the step took the exchange (it is answered, or will be, from here). */
    boolean takes(Exchange ex) {
        JsonRpc.Message m = ex.message;
        if (!ex.modern() && ApprovalFlow.answersOwnElicitation(m)) {
            deliver(ex);
            return true;
        }
        if (ex.verdict == null || ex.verdict.refusal() != null || !"tools/call".equals(m.method())) {
            return false;
        }
        Decision d = ex.verdict.decision();
        if (d.outcome() == Outcome.APPROVAL_REQUIRED && d.approval() != null) {
            flow.start(new Call(ex));
            return true;
        }
        if (ex.modern() && d.allowed() && ApprovalFlow.carriesOwnState(m) && m.params() instanceof ObjectNode p) {
            // Policy no longer holds this call: it goes on, without Warden's own state and answer.
            replaceParams(ex, flow.withoutOwnState(p, ex.grant.id(), ex.server.id(), m.target()));
        }
        return false;
    }

    /** The answer may reach any pod; the one holding the call gets it over the cluster bus. */
    private void deliver(Exchange ex) {
        Context context = proxy.vertx().getOrCreateContext();
        flow.deliverElicitationAnswer(ex.message, ex.grant.id()).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            MessageBus.Delivery d = ar.succeeded() ? ar.result() : MessageBus.Delivery.UNAVAILABLE;
            switch (d) {
                case DELIVERED -> {
                    proxy.metrics().request(ex.serverTag(), "response", "approval_answer");
                    ex.out.answer(202, null, Buffer.buffer());
                }
                case NO_RECEIVER -> proxy.reply(ex, 404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST,
                        "No call is waiting for this elicitation answer (it was answered, timed out, or its client left)"),
                        "approval_answer_unknown");
                case UNAVAILABLE -> proxy.reply(ex, 503, JsonRpc.error(null, JsonRpc.INTERNAL_ERROR,
                        "The elicitation answer cannot be delivered right now; send it again shortly"), "approval_answer_unavailable");
            }
        })));
    }

    private static void replaceParams(Exchange ex, ObjectNode params) {
        ObjectNode raw = ex.message.raw().deepCopy();
        raw.set("params", params);
        ex.message = new JsonRpc.Message(raw, ex.message.id(), ex.message.method(), params);
        ex.body = JsonRpc.bytes(raw);
    }

    /** The exchange as {@link ApprovalFlow} sees it. */
    private final class Call implements ApprovalCall {
        private Exchange ex;
        private final String decisionId = DecisionIds.next();
        private final ApprovalRequirement requirement;
        private Budgets.Permit permit;

        Call(Exchange ex) {
            this.ex = ex;
            this.requirement = ex.verdict.decision().approval();
        }

        @Override
        public String grantId() {
            return ex.grant.id();
        }

        @Override
        public String grantLabel() {
            return ex.grant.label();
        }

        @Override
        public String serverId() {
            return ex.server.id();
        }

        @Override
        public String tool() {
            return ex.verdict.tool();
        }

        @Override
        public JsonNode arguments() {
            return ex.verdict.arguments();
        }

        @Override
        public JsonRpc.Message message() {
            return ex.message;
        }

        @Override
        public boolean modern() {
            return ex.modern();
        }

        @Override
        public boolean elicitsForm() {
            if (ex.modern()) {
                return ClientElicitation.declaresForm(EraTranslation.envelope(ex.message, EraTranslation.META_CAPABILITIES));
            }
            return ex.session != null && ClientElicitation.marked(ex.session.protocolVersion());
        }

        @Override
        public ApprovalRequirement requirement() {
            return requirement;
        }

        @Override
        public String policyId() {
            return ex.verdict.policy() == null ? "" : ex.verdict.policy().id();
        }

        @Override
        public int policyVersion() {
            if (ex.verdict.policy() == null) {
                return 0;
            }
            try {
                return Integer.parseInt(ex.verdict.policy().version());
            } catch (NumberFormatException e) {
                return 0; // standalone policies carry no revision number
            }
        }

        @Override
        public String decisionId() {
            return decisionId;
        }

        @Override
        public void record(DecisionEvent.Outcome outcome, String message) {
            proxy.recorder().record(ex, outcome == DecisionEvent.Outcome.APPROVAL_REQUIRED ? decisionId : DecisionIds.next(),
                    outcome, message);
        }

        @Override
        public void deny(DecisionEvent.Outcome outcome, String message) {
            if (ex.failed || !ex.out.open()) {
                return;
            }
            String id = outcome == DecisionEvent.Outcome.APPROVAL_REQUIRED ? decisionId : DecisionIds.next();
            proxy.recorder().record(ex, id, outcome, message);
            proxy.metrics().decision(ex.serverTag(), ex.rpcMethod(), outcome.wire());
            proxy.reply(ex, 200, Denials.denied(ex.message.id(), id, outcome.wire(), requirement.rule(), message, null,
                    ex.modern(), McpProxy.VERSION), "policy_" + outcome.wire());
        }

        @Override
        public void reject(String message, String reason) {
            if (ex.failed || !ex.out.open()) {
                return;
            }
            proxy.recorder().record(ex, DecisionIds.next(), DecisionEvent.Outcome.DENIED, message);
            proxy.metrics().decision(ex.serverTag(), ex.rpcMethod(), DecisionEvent.Outcome.DENIED.wire());
            proxy.reply(ex, 200, JsonRpc.error(ex.message.id(), JsonRpc.INVALID_PARAMS, message,
                    JsonRpc.NODES.objectNode().put("reason", reason)), "approval_state_refused");
        }

        @Override
        public void answer(ObjectNode message) {
            proxy.reply(ex, 200, message, "approval_input_required");
        }

        @Override
        public void takeLimits(Runnable admitted) {
            proxy.withinLimits(ex, admitted);
        }

        @Override
        public void giveBackLimits() {
            proxy.refund(ex, RefundRule.afterFailure(false, "approval_refused"));
        }

        @Override
        public void forward(ObjectNode params, String approvedBy) {
            replaceParams(ex, params);
            Decision held = ex.verdict.decision();
            // From here it is an allowed call: its final decision event says who let it through.
            ex.verdict = new PolicyGate.Verdict(new Decision(Outcome.ALLOW, held.rule(), "approved by " + approvedBy,
                    held.limits(), null, held.shadow()), ex.verdict.tool(), ex.verdict.arguments(), ex.verdict.policy());
            proxy.forward(ex, HttpMethod.POST, Buffer.buffer(ex.body));
        }

        @Override
        public boolean hold(boolean events) {
            Budgets.Taken taken = proxy.budgets().stream(ex.serverTag(), ex.grant.id());
            if (!taken.granted()) {
                proxy.refuse(ex, taken.refusal());
                return false;
            }
            permit = taken.permit();
            Budgets.Permit p = permit;
            ex.ctx.addEndHandler(v -> p.release());
            if (events) {
                ex.out.startEvents(200);
                ex = held(ex);
            }
            return true;
        }

        @Override
        public void send(ObjectNode message) {
            ex.out.event(SseEvent.message(message.toString()));
        }

        @Override
        public void onGone(Runnable r) {
            ex.out.onClose(r);
        }
    }

    /** The same exchange, answering on the event stream already begun (whatever answers it later). */
    private static Exchange held(Exchange ex) {
        Exchange h = new Exchange(ex.ctx, ex.method, new HeldStream(ex.out));
        h.snapshot = ex.snapshot;
        h.server = ex.server;
        h.grant = ex.grant;
        h.message = ex.message;
        h.body = ex.body;
        h.era = ex.era;
        h.protocolVersion = ex.protocolVersion;
        h.session = ex.session;
        h.verdict = ex.verdict;
        return h;
    }

    /**
     * A Streamable HTTP answer that already is an event stream: a later complete answer (the upstream's JSON, a denial,
     * an error) becomes its last event.
     */
    private static final class HeldStream implements Downstream {
        private final Downstream events;

        HeldStream(Downstream events) {
            this.events = events;
        }

        @Override
        public boolean open() {
            return events.open();
        }

        @Override
        public boolean started() {
            return false; // so that failures are still answered, as an event
        }

        @Override
        public void answer(int status, String contentType, Buffer body) {
            if (body.length() > 0) {
                events.event(SseEvent.message(body.toString()));
            }
            events.end();
        }

        @Override
        public void startEvents(int status) {
        }

        @Override
        public void event(SseEvent event) {
            events.event(event);
        }

        @Override
        public boolean congested() {
            return events.congested();
        }

        @Override
        public void onDrain(Runnable r) {
            events.onDrain(r);
        }

        @Override
        public void onClose(Runnable r) {
            events.onClose(r);
        }

        @Override
        public void end() {
            events.end();
        }

        @Override
        public void sessionEstablished(String serverId, String grantId, String upstreamSessionId, String protocolVersion) {
        }

        @Override
        public void header(String name, String value) {
        }
    }
}
