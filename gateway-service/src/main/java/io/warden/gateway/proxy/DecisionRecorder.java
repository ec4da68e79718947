package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.api.DecisionEvent;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.audit.DecisionSink;
import io.warden.gateway.audit.DropCause;
import io.warden.gateway.audit.EventSequence;
import io.warden.gateway.policy.PolicyGate;
import io.warden.policy.Decision;
import io.warden.policy.ShadowFinding;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns an exchange and its verdict into {@link DecisionEvent}s and hands them to the sink. A refusal is one event,
 * published when it is answered. An allowed call is published as it leaves for the upstream ({@link #decided}), and how
 * it ended follows as a completion with the same id and time ({@link #record}): a hung stream or a crash can lose the
 * ending, never the decision. Every event takes the next number of the {@link EventSequence} as it is handed over.
 *
 * <p>Argument values are never recorded: only their sorted keys and a keyed digest ({@link ArgumentDigest}) with the
 * id of its key. Nothing of the Authorization header is ever read here.
 */
public final class DecisionRecorder implements AutoCloseable {

    /**
     * Events for requests refused before authentication, at most this many per second per gateway process; beyond it
     * they are counted as dropped ({@link DropCause#UNAUTHENTICATED_EXCESS}), so that a flood of anonymous requests
     * cannot push the decisions of real grants out of the queue.
     */
    static final int MAX_UNAUTHENTICATED_PER_SECOND = 200;
    /** The failure recorded (and counted) for a call refused because its decision could not be recorded. */
    static final String AUDIT_UNAVAILABLE = "audit_unavailable";

    private final DecisionSink sink;
    private final String gatewayId;
    private final EventSequence sequence;
    private final Clock clock;
    private final AutoCloseable closer;
    private final ArgumentDigest digest;
    /** How often a call waiting for room in the audit queue looks again. */
    private static final long ROOM_POLL_MILLIS = 2;
    /** {@code on-outage=block}: how long a call may wait for room; negative for {@code never-block}. */
    private volatile long blockNanos = -1;
    /** Second (epoch) and count of unauthenticated events in it, packed: second << 20 | count. */
    private final AtomicLong anonymousWindow = new AtomicLong();

    public DecisionRecorder(DecisionSink sink, String gatewayId, Clock clock, AutoCloseable closer, ArgumentDigest digest) {
        this(sink, gatewayId, EventSequence.forGateway(gatewayId), clock, closer, digest);
    }

    public DecisionRecorder(DecisionSink sink, String gatewayId, EventSequence sequence, Clock clock, AutoCloseable closer,
                            ArgumentDigest digest) {
        this.sink = sink;
        this.gatewayId = gatewayId;
        this.sequence = sequence;
        this.clock = clock;
        this.closer = closer;
        this.digest = digest;
    }

    /**
     * {@code warden.gateway.decision-log.on-outage=block}: a call that would go upstream waits up to {@code bound} for
     * the audit sink to have room for its decision, and is refused when it has none by then.
     */
    public DecisionRecorder blockOnOutage(java.time.Duration bound) {
        this.blockNanos = bound.toNanos();
        return this;
    }

    /**
     * Runs {@code recordable} once the call's decision can be recorded: at once in {@code never-block} mode or when the
     * sink has room; else it looks again on a Vert.x timer (never blocking the event loop) until the bound has passed,
     * then runs {@code refused}.
     */
    void whenRecordable(io.vertx.core.Vertx vertx, Runnable recordable, Runnable refused) {
        long bound = blockNanos;
        if (bound < 0 || sink.hasRoom()) {
            recordable.run();
            return;
        }
        long deadline = System.nanoTime() + bound;
        vertx.setTimer(ROOM_POLL_MILLIS, new io.vertx.core.Handler<Long>() {
            @Override
            public void handle(Long timer) {
                if (sink.hasRoom()) {
                    recordable.run();
                } else if (System.nanoTime() - deadline >= 0) {
                    refused.run();
                } else {
                    vertx.setTimer(ROOM_POLL_MILLIS, this);
                }
            }
        });
    }

    /** An allowed call is about to go upstream: its decision is published now, under the id its completion will use. */
    void decided(Exchange ex) {
        if (ex.decisionId != null || !judged(ex)) {
            return;
        }
        ex.decisionId = DecisionIds.next();
        ex.decisionTime = clock.instant();
        DecisionEvent.Builder b = event(ex, ex.decisionId, ex.decisionTime, DecisionEvent.Kind.DECISION, null)
                .gatewayMicros((System.nanoTime() - ex.startNanos) / 1000);
        publish(b);
    }

    /**
     * Records how {@code ex} was answered; {@code error} names a failure after an allow. After {@link #decided} this is
     * the completion of that decision (its id, not {@code decisionId}); otherwise it is the decision itself.
     */
    void record(Exchange ex, String decisionId, String error) {
        if (!judged(ex)) {
            return;
        }
        boolean completion = ex.decisionId != null;
        DecisionEvent.Builder b = completion
                ? event(ex, ex.decisionId, ex.decisionTime, DecisionEvent.Kind.COMPLETION, error)
                : event(ex, decisionId, clock.instant(), DecisionEvent.Kind.DECISION, error);
        b.gatewayMicros(((ex.upstreamSentNanos > 0 ? ex.upstreamSentNanos : System.nanoTime()) - ex.startNanos) / 1000);
        if (ex.limit != null && ex.refund != null) {
            b.flag("limit_refunded");
            b.refund(new DecisionEvent.Refund(ex.refund.reason().wire(), ex.refund.code()));
        }
        if (ex.upstreamStatus != null) {
            b.upstream(ex.upstreamStatus, ex.upstreamMicros);
        }
        publish(b);
    }

    /**
     * Records a later step of a call held for approval (granted, denied, expired) as a decision of its own:
     * {@code step} and {@code message} replace the verdict's outcome and message.
     */
    void record(Exchange ex, String decisionId, DecisionEvent.Outcome step, String message) {
        if (!judged(ex)) {
            return;
        }
        DecisionEvent.Builder b = event(ex, decisionId, clock.instant(), DecisionEvent.Kind.DECISION, null);
        b.outcome(step, ex.verdict.decision().rule(), message);
        b.gatewayMicros((System.nanoTime() - ex.startNanos) / 1000);
        publish(b);
    }

    /**
     * A request refused before authentication: no grant token, an unknown one, or one for another server. Recorded with
     * grant {@link DecisionEvent#NO_GRANT} and {@code rule} naming why; the token itself is never looked at here.
     */
    void unauthenticated(Exchange ex, String rule, String message) {
        if (ex.server == null) {
            return;
        }
        if (!admitAnonymous()) {
            sink.countDrop(DropCause.UNAUTHENTICATED_EXCESS);
            return;
        }
        DecisionEvent.Builder b = DecisionEvent.builder()
                .id(DecisionIds.next())
                .time(clock.instant())
                .gatewayId(gatewayId)
                .requestId(requestId(ex))
                .serverId(ex.server.id())
                .grantId(DecisionEvent.NO_GRANT)
                .era(era(ex))
                .protocolVersion(ex.protocolVersion == null ? "" : ex.protocolVersion)
                .method(ex.rpcMethod())
                .outcome(DecisionEvent.Outcome.UNAUTHENTICATED, rule, message)
                .gatewayMicros((System.nanoTime() - ex.startNanos) / 1000);
        publish(b);
    }

    private boolean admitAnonymous() {
        long second = System.currentTimeMillis() / 1000;
        while (true) {
            long packed = anonymousWindow.get();
            long count = packed >>> 20 == second ? packed & 0xfffffL : 0;
            if (count >= MAX_UNAUTHENTICATED_PER_SECOND) {
                return false;
            }
            if (anonymousWindow.compareAndSet(packed, second << 20 | (count + 1))) {
                return true;
            }
        }
    }

    private void publish(DecisionEvent.Builder b) {
        // The number is taken as the event is handed over: if the sink cannot keep it, the gap shows downstream.
        sink.publish(b.sequence(sequence.instance(), sequence.next()).build());
    }

    private static boolean judged(Exchange ex) {
        PolicyGate.Verdict v = ex.verdict;
        return v != null && v.decision() != null && ex.server != null && ex.grant != null;
    }

    /** What every event of a judged exchange says: who, what, which policy and rule, and the outcome so far. */
    private DecisionEvent.Builder event(Exchange ex, String id, Instant time, DecisionEvent.Kind kind, String error) {
        PolicyGate.Verdict v = ex.verdict;
        Decision d = v.decision();
        DecisionEvent.Builder b = DecisionEvent.builder()
                .kind(kind)
                .id(id)
                .time(time)
                .gatewayId(gatewayId)
                .requestId(requestId(ex))
                .serverId(ex.server.id())
                .grantId(ex.grant.id())
                .grantLabel(ex.grant.label())
                .era(era(ex))
                .protocolVersion(ex.protocolVersion == null ? "" : ex.protocolVersion)
                .method(ex.message.method())
                .tool(v.tool())
                .outcome(error != null ? failure(error) : outcome(d), d.rule(), error != null ? error : d.message());
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
            if (!ex.limit.admitted() && error == null) {
                b.outcome(DecisionEvent.Outcome.RATE_LIMITED, ex.limit.rule(), ex.limit.message());
            }
            ex.limit.flags().forEach(f -> b.flag(f.jsonName()));
        }
        return b;
    }

    /** The JSON-RPC id as text; null for a notification. Client-chosen: the builder cuts it to a bounded length. */
    private static String requestId(Exchange ex) {
        JsonNode id = ex.message == null ? null : ex.message.id();
        if (id == null || id.isNull() || id.isMissingNode()) {
            return null;
        }
        return id.isTextual() ? id.textValue() : id.toString();
    }

    /** The outcome of a failure named by the proxy: its budgets are rate limits, its own faults are not the upstream's. */
    static DecisionEvent.Outcome failure(String error) {
        if (error.endsWith("_exhausted")) {
            return DecisionEvent.Outcome.RATE_LIMITED;
        }
        return switch (error) {
            case "limiter_failed", "internal_error", AUDIT_UNAVAILABLE -> DecisionEvent.Outcome.GATEWAY_ERROR;
            default -> DecisionEvent.Outcome.UPSTREAM_ERROR;
        };
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
            case ALLOW -> DecisionEvent.Outcome.ALLOWED;
            case DENY -> DecisionEvent.Outcome.DENIED;
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
