package io.warden.gateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.ratelimit.TokenBucketMath.Rate;
import io.warden.gateway.ratelimit.TokenBucketMath.Reading;
import io.warden.gateway.ratelimit.TokenBucketMath.Span;
import io.warden.gateway.ratelimit.TokenBucketMath.State;
import io.warden.gateway.ratelimit.TokenBucketMath.Take;
import org.junit.jupiter.api.Test;

class TokenBucketMathTest {

    static final long T0 = 1_800_000_000_000_000L; // µs, a 2027 instant

    /** A tiny bucket driver: state plus the reading of the last take. */
    static final class Bucket {
        final Rate rate;
        State state = State.FULL;
        Reading last;

        Bucket(long capacity, long refill, long windowMillis) {
            rate = Rate.ofMillis(capacity, refill, windowMillis);
        }

        boolean take(long now, long cost) {
            Take t = TokenBucketMath.take(rate, state, now, cost);
            last = TokenBucketMath.interpret(rate, cost, t.allowed(), t.offset());
            state = t.next();
            return t.allowed();
        }
    }

    @Test
    void startsFullAndAdmitsExactlyCapacity() {
        Bucket b = new Bucket(5, 5, 60_000);
        for (int i = 4; i >= 0; i--) {
            assertTrue(b.take(T0, 1));
            assertEquals(i, b.last.tokensLeft());
            assertEquals(0, b.last.waitMillis());
        }
        assertFalse(b.take(T0, 1));
        assertEquals(0, b.last.tokensLeft());
        assertEquals(12_000, b.last.waitMillis()); // one token per 12 s
    }

    @Test
    void refillsContinuouslyAtFractionalIntervals() {
        Bucket b = new Bucket(3, 3, 1_000); // one token every 333,333.33 µs
        assertTrue(b.take(T0, 3));
        assertFalse(b.take(T0 + 333_333, 1));
        assertEquals(1, b.last.waitMillis()); // 0.33 µs left, rounded up to 1 ms
        assertTrue(b.take(T0 + 333_334, 1));
        assertFalse(b.take(T0 + 666_666, 1));
        assertTrue(b.take(T0 + 666_667, 1)); // 2 × 333,333.33 = 666,666.67
        assertTrue(b.take(T0 + 1_000_000, 1)); // third interval ends exactly at 1 s
        assertFalse(b.take(T0 + 1_000_000, 1));
    }

    @Test
    void neverDriftsOverAMillionCharges() {
        // 7 tokens per 3 s: the interval (428,571.43 µs) is no whole number of µs.
        // The caller asks far more often than tokens arrive, so the bucket never fills up again
        // and no refill is lost to the capacity.
        Bucket b = new Bucket(10, 7, 3_000);
        long admitted = 0;
        long now = T0;
        long end = T0 + 3_000_000L * 150_000; // 150,000 windows = 450,000 s
        while (now <= end) {
            if (b.take(now, 1)) {
                admitted++;
            }
            now += 61_001; // an awkward step
        }
        // Capacity plus exactly 7 per window; the last token may still be refilling at the end.
        long ideal = 10 + 7L * 150_000;
        assertTrue(admitted <= ideal, "over-admitted: " + admitted);
        assertTrue(admitted >= ideal - 1, "drifted: " + admitted + " of " + ideal);
    }

    @Test
    void exactAfterManyTakesAtTheExactTime() {
        Bucket b = new Bucket(5, 3, 1_000);
        assertTrue(b.take(T0, 5));
        // Three takes per second, each exactly when a token arrives: 3,000 seconds later the
        // full-at time must be exactly T0 + 3000 s + 5 intervals, no µs lost or gained.
        for (int i = 1; i <= 9_000; i++) {
            long due = T0 + (i * 1_000_000L + 2) / 3; // ceil(i × 333,333.33)
            assertFalse(b.take(due - 1, 1), "early at " + i);
            assertTrue(b.take(due, 1), "late at " + i);
        }
        assertEquals(new State(T0 + 3_001_666_666L, 2), b.state);
    }

    @Test
    void costAboveCapacityIsNeverSatisfiable() {
        Bucket b = new Bucket(10, 10, 1_000);
        assertFalse(b.take(T0, 11));
        assertEquals(Long.MAX_VALUE, b.last.waitMillis());
        assertEquals(10, b.last.tokensLeft());
        assertSame(State.FULL, b.state);
        assertFalse(b.take(T0 + 3_600_000_000L, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, b.last.waitMillis());
    }

    @Test
    void costZeroAlwaysPassesAndChangesNothing() {
        Bucket b = new Bucket(1, 1, 1_000);
        assertTrue(b.take(T0, 1));
        State s = b.state;
        assertTrue(b.take(T0, 0));
        assertEquals(0, b.last.tokensLeft());
        assertEquals(s, b.state);
    }

    @Test
    void costOfWholeCapacityPassesOnlyWhenFull() {
        Bucket b = new Bucket(10, 10, 10_000);
        assertTrue(b.take(T0, 10));
        assertFalse(b.take(T0 + 9_999_999, 10));
        assertEquals(1, b.last.waitMillis());
        assertEquals(9, b.last.tokensLeft());
        assertTrue(b.take(T0 + 10_000_000, 10));
    }

    @Test
    void hugeWindowsAndCapacitiesDoNotOverflow() {
        Bucket b = new Bucket(3, 1, Long.MAX_VALUE);
        assertTrue(b.take(T0, 3));
        assertFalse(b.take(T0 + 86_400_000_000L, 1));
        assertTrue(b.last.waitMillis() > 0 && b.last.waitMillis() < Long.MAX_VALUE);
        assertEquals(0, b.last.tokensLeft());

        // Refill time beyond 2^51 µs is clamped: the bucket behaves as one that refills in ~71 years.
        Bucket big = new Bucket(Long.MAX_VALUE / 2, 1, 86_400_000);
        assertTrue(big.take(T0, 1));
        assertTrue(big.last.tokensLeft() > 0);

        Bucket fast = new Bucket(Long.MAX_VALUE, Long.MAX_VALUE, 1);
        assertTrue(fast.take(T0, Long.MAX_VALUE / 3));
    }

    @Test
    void spansAreExactMixedNumbers() {
        Rate r = new Rate(10, 3, 1_000_000);
        assertEquals(new Span(333_333, 1), r.spanOf(1));
        assertEquals(new Span(666_666, 2), r.spanOf(2));
        assertEquals(new Span(1_000_000, 0), r.spanOf(3));
        assertEquals(new Span(3_333_333, 1), r.capacitySpan());
        assertEquals(3_334, r.fullRefillMillis());
        assertEquals(Span.ZERO, r.spanOf(0));
        assertEquals(Span.MAX, new Rate(Long.MAX_VALUE, 1, 1_000_000).capacitySpan());
    }

    @Test
    void timeGoingBackwardsNeverAddsTokens() {
        Bucket b = new Bucket(2, 2, 1_000);
        assertTrue(b.take(T0, 2));
        assertFalse(b.take(T0 - 5_000_000, 1));
        assertTrue(b.last.waitMillis() > 5_000);
        assertFalse(b.take(T0 + 499_999, 1));
        assertTrue(b.take(T0 + 500_000, 1));
    }

    @Test
    void refundGivesTokensBackButNeverAboveFull() {
        Bucket b = new Bucket(3, 3, 3_000);
        assertTrue(b.take(T0, 3));
        b.state = TokenBucketMath.refund(b.rate, b.state, T0, 2);
        assertTrue(b.take(T0, 2));
        assertFalse(b.take(T0, 1));
        State full = TokenBucketMath.refund(b.rate, b.state, T0 + 10_000_000, 1);
        assertSame(State.FULL, full);
        assertSame(State.FULL, TokenBucketMath.refund(b.rate, State.FULL, T0, 5));
        b.state = full;
        assertTrue(b.take(T0 + 10_000_000, 3));
        assertFalse(b.take(T0 + 10_000_000, 1));
    }

    @Test
    void fullnessAndArgumentChecks() {
        assertTrue(TokenBucketMath.isFull(State.FULL, T0));
        assertTrue(TokenBucketMath.isFull(new State(T0, 0), T0));
        assertFalse(TokenBucketMath.isFull(new State(T0, 1), T0));
        assertThrows(IllegalArgumentException.class, () -> new Rate(0, 1, 1));
        assertEquals(0, new Span(0, 0).ceilMillis());
        assertEquals(1, new Span(0, 1).ceilMillis());
        assertEquals(1, new Span(1_000, 0).ceilMillis());
        assertEquals(2, new Span(1_000, 1).ceilMillis());
    }
}
