package io.warden.gateway.ratelimit;

import static io.warden.gateway.ratelimit.Charges.fresh;
import static io.warden.gateway.ratelimit.Charges.grant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.warden.policy.LimitCharge;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InMemoryRateLimiterTest extends RateLimiterContract {

    private final MutableClock clock = new MutableClock(Instant.parse("2027-01-01T00:00:00Z"));
    private final InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock);

    @Override
    protected RateLimiter limiter() {
        return limiter;
    }

    @Override
    protected void passTime(long ms) {
        clock.advance(Duration.ofMillis(ms));
    }

    @Test
    void refillIsExactOnTheInjectedClock() {
        LimitCharge c = grant(fresh("exact"), 3, 3, 1_000, 1);
        assertEquals(3, drain(5, c));
        clock.advance(Duration.ofNanos(333_333_000));
        assertFalse(acquire(c).admitted());
        clock.advance(Duration.ofNanos(1_000));
        assertTrue(acquire(c).admitted());
        clock.advance(Duration.ofHours(1));
        assertEquals(3, drain(5, c));
    }

    @Test
    void clockGoingBackwardsAddsNothing() {
        LimitCharge c = grant(fresh("back"), 2, 2, 1_000, 1);
        assertEquals(2, drain(5, c));
        clock.advance(Duration.ofSeconds(-30));
        assertFalse(acquire(c).admitted());
        clock.advance(Duration.ofSeconds(30).plusMillis(500));
        assertTrue(acquire(c).admitted());
    }

    @Test
    void memoryStaysBoundedAndFullBucketsGoFirst() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryRateLimiter small = new InMemoryRateLimiter(clock, 100, new RateLimitMetrics(registry));
        LimitCharge hot = grant(fresh("kept"), 5, 5, 3_600_000, 1);
        assertTrue(small.tryAcquire("s", java.util.List.of(hot)).admitted());
        for (int i = 0; i < 10_000; i++) {
            small.tryAcquire("s", java.util.List.of(grant(fresh("k"), 10, 10, 1_000, 1)));
            if (i % 50 == 0) {
                clock.advance(Duration.ofSeconds(2)); // the one-second buckets refill and become droppable
            }
        }
        assertTrue(small.size() <= 100, "size " + small.size());
        assertTrue(registry.get(RateLimitMetrics.EVICTIONS).tag("cause", "full").counter().count() > 9_000);
        // The hour bucket was never full, so it was never dropped: 4 tokens left.
        int admitted = 0;
        while (small.tryAcquire("s", java.util.List.of(hot)).admitted()) {
            admitted++;
        }
        assertEquals(4, admitted);
    }

    @Test
    void metricsCountDecisionsByOutcomeAndCause() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryRateLimiter l = new InMemoryRateLimiter(clock, 1_000, new RateLimitMetrics(registry));
        LimitCharge c = grant(fresh("m"), 1, 1, 60_000, 1);
        l.tryAcquire("s", java.util.List.of(c));
        l.tryAcquire("s", java.util.List.of(c));
        assertEquals(1, registry.get(RateLimitMetrics.DECISIONS).tag("outcome", "admitted").counter().count());
        assertEquals(1, registry.get(RateLimitMetrics.DECISIONS).tag("outcome", "denied").tag("cause", "tokens")
                .counter().count());
        assertEquals(1, registry.get(RateLimitMetrics.NEAR_LIMIT).counter().count());
        assertEquals(2, registry.get(RateLimitMetrics.LATENCY).timer().count());
    }
}
