package io.warden.gateway.proxy;

import io.warden.api.DecisionEvent;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.audit.DecisionSink;
import io.warden.gateway.policy.PolicyGate;
import io.warden.policy.Decision;
import io.warden.policy.ShadowFinding;
import java.time.Clock;

/**
 * Turns an exchange and its verdict into one {@link DecisionEvent} and hands it to the sink (a JSON-lines
 * file today, Kafka later). Argument values are never recorded: only their sorted keys and a keyed digest
 * ({@link ArgumentDigest}) with the id of its key.
 */
public final class DecisionRecorder implements AutoCloseable {

    private final DecisionSink sink;
    private final String gatewayId;
    private final Clock clock;
    private final AutoCloseable closer;
    private final ArgumentDigest digest;

    public DecisionRecorder(DecisionSink sink, String gatewayId, Clock clock, AutoCloseable closer, ArgumentDigest digest) {
        this.sink = sink;
        this.gatewayId = gatewayId;
        this.clock = clock;
        this.closer = closer;
        this.digest = digest;
    }

    /** Records the verdict of {@code ex}; {@code error} names an upstream failure after an allow. */
    void record(Exchange ex, String decisionId, String error) {
        record(ex, decisionId, error, null, null);
    }

    /** Records a later step of a call held for approval: {@code outcome} and {@code message} replace the verdict's. */
    void record(Exchange ex, String decisionId, DecisionEvent.Outcome outcome, String message) {
        record(ex, decisionId, null, outcome, message);
    }

    private void record(Exchange ex, String decisionId, String error, DecisionEvent.Outcome step, String stepMessage) {
        PolicyGate.Verdict v = ex.verdict;
        if (v == null || v.decision() == null || ex.server == null || ex.grant == null) {
            return;
        }
        Decision d = v.decision();
        DecisionEvent.Builder b = DecisionEvent.builder()
                .id(decisionId)
                .time(clock.instant())
                .gatewayId(gatewayId)
                .serverId(ex.server.id())
                .grantId(ex.grant.id())
                .era(era(ex))
                .protocolVersion(ex.protocolVersion == null ? "" : ex.protocolVersion)
                .method(ex.message.method())
                .tool(v.tool())
                .outcome(step != null ? step : error != null ? DecisionEvent.Outcome.ERROR : outcome(d), d.rule(),
                        step != null ? stepMessage : error != null ? error : d.message())
                .gatewayMicros(((ex.upstreamSentNanos > 0 ? ex.upstreamSentNanos : System.nanoTime()) - ex.startNanos) / 1000);
        if (v.policy() != null) {
            b.policy(v.policy().id(), v.policy().version());
        }
        if (v.arguments() != null) {
            b.argumentSummary(ArgumentDigest.keys(v.arguments()), digest.of(v.arguments()), digest.keyId());
        }
        for (ShadowFinding s : d.shadow()) {
            b.shadow(s.rule(), s.message());
        }
        if (ex.limit != null) {
            if (!ex.limit.admitted() && error == null && step == null) {
                b.outcome(DecisionEvent.Outcome.DENY, ex.limit.rule(), ex.limit.message());
            }
            ex.limit.flags().forEach(f -> b.flag(f.jsonName()));
            if (ex.refund != null) {
                b.flag("limit_refunded");
                b.refund(new DecisionEvent.Refund(ex.refund.reason().wire(), ex.refund.code()));
            }
        }
        if (ex.upstreamStatus != null) {
            b.upstream(ex.upstreamStatus, ex.upstreamMicros);
        }
        sink.publish(b.build());
    }

    private static DecisionEvent.Era era(Exchange ex) {
        return switch (ex.era) {
            case MODERN -> DecisionEvent.Era.MODERN;
            case HTTP_SSE -> DecisionEvent.Era.HTTP_SSE;
            case LEGACY -> DecisionEvent.Era.LEGACY;
        };
    }

    private static DecisionEvent.Outcome outcome(Decision d) {
        return switch (d.outcome()) {
            case ALLOW -> DecisionEvent.Outcome.ALLOW;
            case DENY -> DecisionEvent.Outcome.DENY;
            case HIDDEN -> DecisionEvent.Outcome.HIDDEN;
            case APPROVAL_REQUIRED -> DecisionEvent.Outcome.APPROVAL_REQUIRED;
        };
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            // closing flushes; nothing more to do when it fails
        }
    }
}
