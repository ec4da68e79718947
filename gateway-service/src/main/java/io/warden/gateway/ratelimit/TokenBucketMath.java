package io.warden.gateway.ratelimit;

/**
 * Token-bucket arithmetic, exact and free of drift. Plain Java: no I/O, no clock, no framework.
 *
 * <h2>Model</h2>
 * A bucket holds at most {@code capacity} tokens, starts full and refills continuously at
 * {@code refillTokens} per {@code windowMicros}. Instead of a token count that would need
 * fractions, the state is one instant: the <em>full-at time</em> {@code tat}, the moment the
 * bucket will be full again if nothing more is taken. At time {@code now} the bucket holds
 * {@code capacity - (tat - now) / I} tokens, where {@code I = windowMicros / refillTokens} is
 * the time one token takes to refill. Taking {@code cost} tokens moves the full-at time to
 * {@code max(tat, now) + cost × I}; this is allowed when the result is at most
 * {@code capacity × I} ahead of {@code now}. A bucket whose full-at time is in the past is
 * full, so a bucket that does not exist is full and an expired key loses nothing.
 *
 * <h2>Why it cannot drift</h2>
 * {@code I} is rarely a whole number of microseconds, so instants and spans are kept as
 * mixed numbers: whole microseconds plus a fraction {@code frac / refillTokens} with
 * {@code 0 <= frac < refillTokens} ({@link Span}). Sums and comparisons of such numbers are
 * exact in 64-bit integers, so a million charges of one token move the full-at time by
 * exactly a million intervals. The Lua script in {@code ratelimit/acquire.lua} does the same
 * additions and comparisons and hands the raw offsets back; {@link #interpret} turns them into
 * tokens left and waits, so the reading of the state is written once, here.
 *
 * <h2>Limits of the representation</h2>
 * Spans are clamped to {@link #MAX_SPAN_MICROS} (2^51 µs, about 71 years): a bucket that takes
 * longer than that to refill behaves as one that refills in 71 years. This keeps every
 * instant below 2^53 µs, the largest integer a Lua (double) number holds exactly.
 *
 * <p>Clock going backwards: {@code max(tat, now)} never moves the full-at time back, so an
 * earlier {@code now} only makes the bucket look emptier (fewer admissions, never more).
 */
public final class TokenBucketMath {

    /** Largest span (µs) the arithmetic represents: 2^51 µs, about 71 years. */
    public static final long MAX_SPAN_MICROS = 1L << 51;

    private TokenBucketMath() {}

    /**
     * A bucket's shape: capacity, and a refill rate of {@code refillTokens} per
     * {@code windowMicros}. All three are at least 1.
     */
    public record Rate(long capacity, long refillTokens, long windowMicros) {
        public Rate {
            if (capacity < 1 || refillTokens < 1 || windowMicros < 1) {
                throw new IllegalArgumentException("capacity, refillTokens and windowMicros must be >= 1, got "
                        + capacity + ", " + refillTokens + ", " + windowMicros);
            }
        }

        /** The rate from a limit's millisecond window; windows beyond {@link #MAX_SPAN_MICROS} are clamped. */
        public static Rate ofMillis(long capacity, long refillTokens, long windowMillis) {
            long w = windowMillis >= MAX_SPAN_MICROS / 1000 ? MAX_SPAN_MICROS : windowMillis * 1000;
            return new Rate(capacity, refillTokens, Math.max(1, w));
        }

        /** The time {@code tokens} take to refill, as an exact mixed number (clamped to the maximum span). */
        public Span spanOf(long tokens) {
            if (tokens <= 0) {
                return Span.ZERO;
            }
            long whole = windowMicros / refillTokens;
            long rem = windowMicros % refillTokens; // < refillTokens
            // tokens × (whole + rem / R) = tokens × whole + (tokens × rem) / R
            long a = multiplyOrMax(tokens, whole);
            long hi = Math.multiplyHigh(tokens, rem);
            long lo = tokens * rem;
            long extraWhole;
            long frac;
            if (hi != 0 || lo < 0) {
                return Span.MAX; // tokens × rem overflows: the span is astronomically long anyway
            }
            extraWhole = lo / refillTokens;
            frac = lo % refillTokens;
            long micros = a == Long.MAX_VALUE ? Long.MAX_VALUE : a + extraWhole;
            if (micros < 0 || micros >= MAX_SPAN_MICROS) {
                return Span.MAX;
            }
            return new Span(micros, frac);
        }

        /** The time an empty bucket takes to fill: {@code capacity × I}. */
        public Span capacitySpan() {
            return spanOf(capacity);
        }

        /** Full refill time in milliseconds, rounded up, at least 1. */
        public long fullRefillMillis() {
            return Math.max(1, capacitySpan().ceilMillis());
        }
    }

    /**
     * A non-negative time span or instant in microseconds plus {@code frac / refillTokens} of a
     * microsecond ({@code 0 <= frac < refillTokens}; the denominator is the rate's).
     */
    public record Span(long micros, long frac) {
        public static final Span ZERO = new Span(0, 0);
        /** The clamp value; its fraction is zero. */
        public static final Span MAX = new Span(MAX_SPAN_MICROS, 0);

        /** {@code -1}, {@code 0} or {@code 1}. */
        public int compareTo(Span o) {
            int c = Long.compare(micros, o.micros);
            return c != 0 ? c : Long.compare(frac, o.frac);
        }

        /** Milliseconds, rounded up. */
        public long ceilMillis() {
            long us = frac > 0 ? micros + 1 : micros;
            return us <= 0 ? 0 : (us + 999) / 1000;
        }
    }

    /** The full-at time of a bucket: an instant in microseconds plus a fraction (denominator R). */
    public record State(long tatMicros, long tatFrac) {
        /** A bucket nobody has touched: full at any time. */
        public static final State FULL = new State(Long.MIN_VALUE / 4, 0);
    }

    /**
     * The result of trying to take tokens.
     *
     * @param allowed the bucket had enough tokens
     * @param next the state after taking the tokens (equal to the input state when not allowed)
     * @param offset how far the full-at time would be ahead of {@code now} after taking the
     *     tokens (whether or not that was allowed)
     */
    public record Take(boolean allowed, State next, Span offset) {}

    /**
     * What a bucket reports after a take, read from the offset of its full-at time.
     *
     * @param allowed whether the bucket had enough tokens
     * @param tokensLeft whole tokens left: after the charge when allowed, before it (untouched)
     *     when not
     * @param waitMillis 0 when allowed; otherwise how long until the bucket holds {@code cost}
     *     tokens, rounded up; {@link Long#MAX_VALUE} when it never will ({@code cost > capacity})
     */
    public record Reading(boolean allowed, long tokensLeft, long waitMillis) {}

    /**
     * Try to take {@code cost} tokens at {@code nowMicros}. Pure: the caller stores
     * {@link Take#next()} when it decides to charge. Costs above the capacity are never
     * allowed; cost 0 is always allowed and changes nothing.
     */
    public static Take take(Rate rate, State state, long nowMicros, long cost) {
        long r = rate.refillTokens();
        // base = max(tat, now)
        long baseU;
        long baseF;
        if (state.tatMicros() > nowMicros || (state.tatMicros() == nowMicros && state.tatFrac() > 0)) {
            baseU = state.tatMicros();
            baseF = state.tatFrac();
        } else {
            baseU = nowMicros;
            baseF = 0;
        }
        Span costSpan = rate.spanOf(cost);
        long nu = baseU + costSpan.micros();
        long nf = baseF + costSpan.frac();
        if (nf >= r) {
            nf -= r;
            nu += 1;
        }
        Span offset = clampSpan(nu - nowMicros, nf);
        boolean allowed = cost <= rate.capacity() && offset.compareTo(rate.capacitySpan()) <= 0;
        State next = allowed && cost > 0 ? new State(nu, nf) : state;
        return new Take(allowed, next, offset);
    }

    /**
     * Give {@code cost} tokens back: the full-at time moves back by {@code cost × I}, never
     * before {@code now} (a bucket is never fuller than full). Returns {@link State#FULL} when
     * the bucket is full again, so the caller can delete it.
     */
    public static State refund(Rate rate, State state, long nowMicros, long cost) {
        Span s = rate.spanOf(cost);
        long u = state.tatMicros() - s.micros();
        long f = state.tatFrac() - s.frac();
        if (f < 0) {
            f += rate.refillTokens();
            u -= 1;
        }
        if (u < nowMicros || (u == nowMicros && f == 0)) {
            return State.FULL;
        }
        return new State(u, f);
    }

    /** True when the bucket is full at {@code nowMicros} (its state can be forgotten). */
    public static boolean isFull(State state, long nowMicros) {
        return state.tatMicros() < nowMicros || (state.tatMicros() == nowMicros && state.tatFrac() == 0);
    }

    /**
     * Read a take's offset: tokens left and the wait. This is the one place where offsets
     * returned by the Lua script or computed in memory become numbers for people.
     *
     * @param offset the full-at time minus now, <em>including</em> this call's cost
     */
    public static Reading interpret(Rate rate, long cost, boolean allowed, Span offset) {
        Span cap = rate.capacitySpan();
        if (cost > rate.capacity()) {
            Span before = subtract(rate, offset, rate.spanOf(cost));
            return new Reading(false, tokensIn(rate, subtract(rate, cap, before)), Long.MAX_VALUE);
        }
        if (allowed) {
            return new Reading(true, tokensIn(rate, subtract(rate, cap, offset)), 0);
        }
        Span before = subtract(rate, offset, rate.spanOf(cost));
        long left = tokensIn(rate, subtract(rate, cap, before));
        long wait = Math.max(1, subtract(rate, offset, cap).ceilMillis());
        return new Reading(false, left, wait);
    }

    /** Whole tokens that refill in {@code span}: {@code floor(span × R / W)}. */
    static long tokensIn(Rate rate, Span span) {
        if (span.micros() <= 0 && span.frac() == 0) {
            return 0;
        }
        long r = rate.refillTokens();
        long hi = Math.multiplyHigh(span.micros(), r);
        long lo = span.micros() * r;
        if (hi == 0 && lo >= 0 && lo + span.frac() >= 0) {
            return Math.min(rate.capacity(), (lo + span.frac()) / rate.windowMicros());
        }
        double approx = ((double) span.micros() + (double) span.frac() / r) * r / rate.windowMicros();
        return Math.min(rate.capacity(), (long) Math.floor(approx));
    }

    /** {@code max(0, a - b)} for spans with the same denominator. */
    static Span subtract(Rate rate, Span a, Span b) {
        long u = a.micros() - b.micros();
        long f = a.frac() - b.frac();
        if (f < 0) {
            f += rate.refillTokens();
            u -= 1;
        }
        return u < 0 ? Span.ZERO : new Span(u, f);
    }

    private static Span clampSpan(long micros, long frac) {
        if (micros < 0) {
            return Span.ZERO;
        }
        // Twice the maximum span is still exact in a double (2^52 < 2^53): offsets up to
        // capacity + cost are representable.
        if (micros >= 2 * MAX_SPAN_MICROS) {
            return new Span(2 * MAX_SPAN_MICROS, 0);
        }
        return new Span(micros, frac);
    }

    private static long multiplyOrMax(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }
}
