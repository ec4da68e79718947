package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.Uni;
import io.warden.gateway.ratelimit.TokenBucketMath.Rate;
import io.warden.gateway.ratelimit.TokenBucketMath.State;
import io.warden.gateway.ratelimit.TokenBucketMath.Take;
import io.warden.policy.LimitCharge;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The limiter of standalone mode (one gateway process), also the per-pod fallback bucket of
 * {@link RedisRateLimiter} under {@code on_limiter_error: local}.
 *
 * <p>Same semantics as the Redis limiter: the arithmetic is {@link TokenBucketMath}, time is
 * the injected {@link Clock}. One lock guards all buckets, so several buckets are checked and
 * charged atomically; a decision holds it for well under a microsecond.
 *
 * <p>Memory is bounded: a full bucket carries no information (a missing bucket is full), so
 * full buckets are dropped whenever the map grows past {@code maxBuckets}. If it is still
 * above the bound, the buckets closest to full are dropped too (a small, counted
 * over-admission, metric {@link RateLimitMetrics#EVICTIONS} with cause {@code not_full}).
 */
public final class InMemoryRateLimiter implements RateLimiter {

    /** Default bound on the number of buckets held. */
    public static final int DEFAULT_MAX_BUCKETS = 100_000;

    private final Clock clock;
    private final int maxBuckets;
    private final RateLimitMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final HashMap<String, State> buckets = new HashMap<>();

    /** A limiter on {@code clock} with the default bound and no metrics. */
    public InMemoryRateLimiter(Clock clock) {
        this(clock, DEFAULT_MAX_BUCKETS, RateLimitMetrics.noop());
    }

    /**
     * @param clock time source (tests inject a settable one)
     * @param maxBuckets buckets held before full ones are swept (at least 16)
     * @param metrics where decisions and evictions are counted
     */
    public InMemoryRateLimiter(Clock clock, int maxBuckets, RateLimitMetrics metrics) {
        if (clock == null || metrics == null) {
            throw new IllegalArgumentException("clock and metrics are required");
        }
        this.clock = clock;
        this.maxBuckets = Math.max(16, maxBuckets);
        this.metrics = metrics;
    }

    @Override
    public Uni<LimitOutcome> acquire(String partition, List<LimitCharge> charges) {
        return Uni.createFrom().item(() -> tryAcquire(partition, charges));
    }

    /** The synchronous form of {@link #acquire(String, List)}; never throws. */
    public LimitOutcome tryAcquire(String partition, List<LimitCharge> charges) {
        if (charges == null || charges.isEmpty()) {
            return LimitOutcome.NO_LIMITS;
        }
        long start = System.nanoTime();
        List<BucketOutcome> out = evaluate(charges, true, BucketOutcome.Source.STORE);
        boolean admitted = out.stream().allMatch(b -> b.allowed() || b.charge().shadow());
        Reservation r = admitted ? new Reservation(partition, charged(out), List.of()) : Reservation.NONE;
        LimitOutcome o = LimitOutcome.decide(out, Set.of(), r);
        metrics.recordDecision(o, RateLimitMetrics.BACKEND_MEMORY, System.nanoTime() - start);
        return o;
    }

    @Override
    public Uni<Void> refund(Reservation reservation) {
        if (reservation == null || reservation.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> {
            refundNow(reservation.stored());
            return null;
        });
    }

    /** Give back the tokens of {@code charges}, all at once. */
    void refundNow(List<LimitCharge> charges) {
        if (charges.isEmpty()) {
            return;
        }
        long now = nowMicros();
        lock.lock();
        try {
            for (LimitCharge c : charges) {
                State s = buckets.get(c.key());
                if (s == null || c.cost() <= 0) {
                    continue;
                }
                State back = TokenBucketMath.refund(rateOf(c), s, now, c.cost());
                if (back == State.FULL) {
                    buckets.remove(c.key());
                } else {
                    buckets.put(c.key(), back);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Check {@code charges} together at the clock's time. Enforcing charges are taken first, then
     * shadow charges that fit. When {@code commit} is true and no enforcing charge lacks tokens,
     * the new states are stored; otherwise nothing changes.
     *
     * @return one outcome per charge, in the given order
     */
    List<BucketOutcome> evaluate(List<LimitCharge> charges, boolean commit, BucketOutcome.Source source) {
        int n = charges.size();
        Integer[] order = processingOrder(charges);
        boolean[] allowed = new boolean[n];
        TokenBucketMath.Span[] offsets = new TokenBucketMath.Span[n];
        long now = nowMicros();
        lock.lock();
        try {
            Map<String, State> pending = new HashMap<>(n * 2);
            boolean denied = false;
            for (int i : order) {
                LimitCharge c = charges.get(i);
                State s = pending.get(c.key());
                if (s == null) {
                    s = buckets.getOrDefault(c.key(), State.FULL);
                }
                Take t = TokenBucketMath.take(rateOf(c), s, now, c.cost());
                allowed[i] = t.allowed();
                offsets[i] = t.offset();
                if (t.allowed()) {
                    if (c.cost() > 0) {
                        pending.put(c.key(), t.next());
                    }
                } else if (!c.shadow()) {
                    denied = true;
                }
            }
            if (commit && !denied && !pending.isEmpty()) {
                buckets.putAll(pending);
                if (buckets.size() > maxBuckets) {
                    sweep(now);
                }
            }
        } finally {
            lock.unlock();
        }
        List<BucketOutcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LimitCharge c = charges.get(i);
            var reading = TokenBucketMath.interpret(rateOf(c), c.cost(), allowed[i], offsets[i]);
            out.add(new BucketOutcome(c, reading.allowed(), reading.tokensLeft(), reading.waitMillis(), source));
        }
        return out;
    }

    /** Number of buckets held (full ones may linger until the next sweep). */
    public int size() {
        lock.lock();
        try {
            return buckets.size();
        } finally {
            lock.unlock();
        }
    }

    private void sweep(long now) {
        int before = buckets.size();
        buckets.values().removeIf(s -> TokenBucketMath.isFull(s, now));
        metrics.evicted(RateLimitMetrics.CAUSE_FULL, before - buckets.size());
        int target = maxBuckets - maxBuckets / 10;
        if (buckets.size() > target) {
            List<Map.Entry<String, State>> all = new ArrayList<>(buckets.entrySet());
            all.sort(Comparator.comparingLong((Map.Entry<String, State> e) -> e.getValue().tatMicros())
                    .thenComparingLong(e -> e.getValue().tatFrac()));
            int drop = buckets.size() - target;
            for (int i = 0; i < drop; i++) {
                buckets.remove(all.get(i).getKey());
            }
            metrics.evicted(RateLimitMetrics.CAUSE_NOT_FULL, drop);
        }
    }

    private long nowMicros() {
        Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** Enforcing charges first, then shadow ones, each group in the given order. */
    static Integer[] processingOrder(List<LimitCharge> charges) {
        Integer[] order = new Integer[charges.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> charges.get(i).shadow() ? 1 : 0));
        return order;
    }

    /** The charges an admitted call actually took tokens for. */
    static List<LimitCharge> charged(List<BucketOutcome> outcomes) {
        List<LimitCharge> out = new ArrayList<>(outcomes.size());
        for (BucketOutcome b : outcomes) {
            if (b.allowed() && b.charge().cost() > 0) {
                out.add(b.charge());
            }
        }
        return out;
    }

    /** The bucket shape of a charge; out-of-range values (never produced by the engine) are clamped to 1. */
    static Rate rateOf(LimitCharge c) {
        return Rate.ofMillis(Math.max(1, c.capacity()), Math.max(1, c.refillTokens()), Math.max(1, c.windowMillis()));
    }
}
