package io.warden.gateway.ratelimit;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The limiter's answer for one call.
 *
 * @param admitted true when the call may go on (every enforcing charge had its tokens, or was
 *     let through by {@code on_limiter_error: open})
 * @param retryAfterMs 0 when admitted; otherwise the longest wait among the denying buckets,
 *     i.e. the earliest moment a retry can pass if nothing else takes tokens; -1 when a retry
 *     can never pass (cost above capacity, flag {@link LimitFlag#NEVER_SATISFIABLE})
 * @param rule rule id of the denying limit (JSON pointer), {@value #UNAVAILABLE_RULE} when the
 *     store was down under {@code closed}, or {@code ""} when admitted
 * @param denied the denying bucket (the one with the longest wait), or {@code null} when admitted
 * @param buckets one entry per charge, in the order given to {@link RateLimiter#acquire}
 * @param flags what else the decision log must know
 * @param reservation what to hand to {@link RateLimiter#refund} if the call never runs;
 *     {@link Reservation#NONE} when denied
 */
public record LimitOutcome(boolean admitted, long retryAfterMs, String rule, BucketOutcome denied,
                           List<BucketOutcome> buckets, Set<LimitFlag> flags, Reservation reservation) {

    /** The rule id of a denial because the shared limiter was unreachable under {@code closed}. */
    public static final String UNAVAILABLE_RULE = "(limiter unavailable)";

    /** Admitted, no limits. */
    public static final LimitOutcome NO_LIMITS = new LimitOutcome(true, 0, "", null, List.of(),
            Collections.unmodifiableSet(EnumSet.noneOf(LimitFlag.class)), Reservation.NONE);

    public LimitOutcome {
        buckets = List.copyOf(buckets);
        flags = flags.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    }

    /** True when the decision carries {@code flag}. */
    public boolean has(LimitFlag flag) {
        return flags.contains(flag);
    }

    /**
     * The text for the agent when denied ({@code [POLICY DENIED]} is the caller's prefix): the
     * limit's {@code on_deny} when it has one, else a sentence naming the counter, the limit and
     * the seconds to wait. {@code ""} when admitted.
     */
    public String message() {
        if (admitted || denied == null) {
            return "";
        }
        var c = denied.charge();
        if (c.onDeny() != null && !c.onDeny().isBlank()) {
            return c.onDeny();
        }
        if (denied.source() == BucketOutcome.Source.UNAVAILABLE) {
            return "Rate limit \"" + c.counter() + "\" cannot be checked: the rate limiter is unavailable. "
                    + "Retry in " + seconds(retryAfterMs) + " s.";
        }
        String limit = c.refillTokens() + " per " + window(c.windowMillis())
                + (c.capacity() != c.refillTokens() ? " (burst " + c.capacity() + ")" : "");
        if (retryAfterMs < 0) {
            return "Rate limit \"" + c.counter() + "\" (" + limit + "): this call costs " + c.cost()
                    + ", more than the counter can ever hold (" + c.capacity() + ").";
        }
        return "Rate limit \"" + c.counter() + "\" reached (" + limit + "). Retry in " + seconds(retryAfterMs)
                + " s.";
    }

    /**
     * Decide a call from its buckets: admitted when no enforcing bucket refused; the denial is the
     * refusing enforcing bucket with the longest wait ({@link BucketOutcome.Source#UNAVAILABLE}
     * first, because its rule must be {@value #UNAVAILABLE_RULE}).
     */
    static LimitOutcome decide(List<BucketOutcome> buckets, Set<LimitFlag> flags, Reservation reservation) {
        EnumSet<LimitFlag> f = flags.isEmpty() ? EnumSet.noneOf(LimitFlag.class) : EnumSet.copyOf(flags);
        BucketOutcome worst = null;
        boolean never = false;
        long retry = 0;
        for (BucketOutcome b : buckets) {
            if (b.allowed()) {
                continue;
            }
            if (b.charge().shadow()) {
                f.add(LimitFlag.SHADOW_WOULD_DENY);
                continue;
            }
            if (b.waitMillis() == Long.MAX_VALUE) {
                never = true;
            } else {
                retry = Math.max(retry, b.waitMillis());
            }
            if (worst == null || rank(b) > rank(worst)) {
                worst = b;
            }
        }
        if (worst == null) {
            return new LimitOutcome(true, 0, "", null, buckets, f, reservation);
        }
        if (never) {
            f.add(LimitFlag.NEVER_SATISFIABLE);
        }
        String rule = worst.source() == BucketOutcome.Source.UNAVAILABLE ? UNAVAILABLE_RULE : worst.charge().rule();
        return new LimitOutcome(false, never ? -1 : Math.max(1, retry), rule, worst, buckets, f, Reservation.NONE);
    }

    private static long rank(BucketOutcome b) {
        if (b.source() == BucketOutcome.Source.UNAVAILABLE) {
            return Long.MAX_VALUE;
        }
        return b.waitMillis() == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : b.waitMillis();
    }

    static String window(long ms) {
        if (ms == 1_000) {
            return "second";
        }
        if (ms == 60_000) {
            return "minute";
        }
        if (ms == 3_600_000) {
            return "hour";
        }
        if (ms == 86_400_000) {
            return "day";
        }
        if (ms % 1000 == 0) {
            return (ms / 1000) + " s";
        }
        return ms + " ms";
    }

    /** Seconds, rounded up to a tenth: 1 → "0.1", 1000 → "1", 1501 → "1.6". */
    static String seconds(long ms) {
        long tenths = (Math.max(0, ms) + 99) / 100;
        return tenths % 10 == 0 ? Long.toString(tenths / 10)
                : String.format(Locale.ROOT, "%d.%d", tenths / 10, tenths % 10);
    }
}
