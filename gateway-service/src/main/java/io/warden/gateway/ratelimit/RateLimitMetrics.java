package io.warden.gateway.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * The limiter's meters, named once. With Micrometer's Prometheus registry,
 * {@code warden.ratelimit.decisions} is exported as {@code warden_ratelimit_decisions_total}.
 *
 * <p>Pass {@link #noop()} when no registry is wired: it records into a registry with no
 * backends, so callers never check for null.
 */
public final class RateLimitMetrics {

    /** Counter. Tags {@code outcome} (admitted, denied), {@code cause}, {@code backend}. */
    public static final String DECISIONS = "warden.ratelimit.decisions";
    /** Timer of one acquire, fallbacks included. Tag {@code backend}. */
    public static final String LATENCY = "warden.ratelimit.latency";
    /** Counter of store failures. Tag {@code cause}: timeout, connection, noscript, script, circuit_open, other. */
    public static final String ERRORS = "warden.ratelimit.errors";
    /** Counter of admitted buckets left with at most a tenth of their capacity. Tag {@code backend}. */
    public static final String NEAR_LIMIT = "warden.ratelimit.near_limit";
    /** Counter of shadow charges that would have denied. */
    public static final String SHADOW_WOULD_DENY = "warden.ratelimit.shadow_would_deny";
    /** Counter of in-memory buckets dropped. Tag {@code cause}: full, not_full. */
    public static final String EVICTIONS = "warden.ratelimit.evictions";
    /** Counter of refunds. Tag {@code outcome}: ok, failed. */
    public static final String REFUNDS = "warden.ratelimit.refunds";
    /**
     * Counter of acquire replies that arrived after the call's deadline had already decided it (without them). Tag
     * {@code outcome}: {@value #LATE_REFUNDED}, {@value #LATE_REFUND_FAILED}, {@value #LATE_NOTHING_TAKEN},
     * {@value #LATE_REFILLED}, {@value #LATE_UNREADABLE}; a reply counts once per outcome it had.
     */
    public static final String LATE_REPLIES = "warden.ratelimit.late_replies";

    public static final String BACKEND_MEMORY = "memory";
    public static final String BACKEND_REDIS = "redis";

    public static final String CAUSE_OK = "ok";
    public static final String CAUSE_TOKENS = "tokens";
    public static final String CAUSE_UNAVAILABLE = "limiter_unavailable";
    public static final String CAUSE_NEVER = "never_satisfiable";
    public static final String CAUSE_OPEN = "limiter_open";
    public static final String CAUSE_LOCAL = "limiter_local";
    public static final String CAUSE_FULL = "full";
    public static final String CAUSE_NOT_FULL = "not_full";
    public static final String CAUSE_TIMEOUT = "timeout";
    public static final String CAUSE_CONNECTION = "connection";
    public static final String CAUSE_NOSCRIPT = "noscript";
    public static final String CAUSE_SCRIPT = "script";
    public static final String CAUSE_CIRCUIT_OPEN = "circuit_open";
    public static final String CAUSE_OTHER = "other";

    /** Late reply: the tokens it took were given back (one refund script, confirmed). */
    public static final String LATE_REFUNDED = "refunded";
    /** Late reply: the refund of the tokens it took failed or was not confirmed; they come back with time. */
    public static final String LATE_REFUND_FAILED = "refund_failed";
    /** Late reply: the script denied the call (or charged nothing), so there was nothing to give back. */
    public static final String LATE_NOTHING_TAKEN = "nothing_taken";
    /**
     * Late reply: some bucket it charged could be full again before a refund lands, so that bucket was left alone
     * (its key may expire and be re-created by other calls, and a refund would then give back their tokens).
     */
    public static final String LATE_REFILLED = "refilled";
    /** Late reply: not the acquire script's shape; nothing was given back. */
    public static final String LATE_UNREADABLE = "unreadable";

    private final MeterRegistry registry;
    /** Meters looked up once: the decision path runs at Redis speed. */
    private final java.util.concurrent.ConcurrentHashMap<String, io.micrometer.core.instrument.Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers =
            new java.util.concurrent.ConcurrentHashMap<>();

    public RateLimitMetrics(MeterRegistry registry) {
        this.registry = registry == null ? new CompositeMeterRegistry() : registry;
    }

    /** Metrics that go nowhere. */
    public static RateLimitMetrics noop() {
        return new RateLimitMetrics(new CompositeMeterRegistry());
    }

    /** Count one decision and its latency. */
    public void recordDecision(LimitOutcome o, String backend, long nanos) {
        String cause;
        if (!o.admitted()) {
            cause = LimitOutcome.UNAVAILABLE_RULE.equals(o.rule()) ? CAUSE_UNAVAILABLE
                    : o.has(LimitFlag.NEVER_SATISFIABLE) ? CAUSE_NEVER : CAUSE_TOKENS;
        } else if (o.has(LimitFlag.LIMITER_LOCAL)) {
            cause = CAUSE_LOCAL;
        } else if (o.has(LimitFlag.LIMITER_OPEN)) {
            cause = CAUSE_OPEN;
        } else {
            cause = CAUSE_OK;
        }
        String outcome = o.admitted() ? "admitted" : "denied";
        counters.computeIfAbsent(outcome + '|' + cause + '|' + backend, k -> registry.counter(DECISIONS,
                "outcome", outcome, "cause", cause, "backend", backend)).increment();
        timers.computeIfAbsent(backend, b -> Timer.builder(LATENCY).tag("backend", b).publishPercentileHistogram()
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
        for (BucketOutcome b : o.buckets()) {
            if (b.wouldDeny()) {
                registry.counter(SHADOW_WOULD_DENY).increment();
            } else if (o.admitted() && b.allowed() && b.tokensLeft() >= 0
                    && b.tokensLeft() * 10 <= b.charge().capacity()) {
                registry.counter(NEAR_LIMIT, "backend", backend).increment();
            }
        }
    }

    /** Count a store failure. */
    public void error(String cause) {
        registry.counter(ERRORS, "cause", cause).increment();
    }

    /** Count evicted in-memory buckets. */
    public void evicted(String cause, int count) {
        if (count > 0) {
            registry.counter(EVICTIONS, "cause", cause).increment(count);
        }
    }

    /** Count one outcome of a late acquire reply ({@link #LATE_REPLIES}). */
    public void lateReply(String outcome) {
        registry.counter(LATE_REPLIES, "outcome", outcome).increment();
    }

    /** Count a refund. */
    public void refund(boolean ok) {
        registry.counter(REFUNDS, "outcome", ok ? "ok" : "failed").increment();
    }
}
