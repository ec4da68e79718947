package io.warden.gateway.ratelimit;

import static io.warden.gateway.ratelimit.Charges.fresh;
import static io.warden.gateway.ratelimit.Charges.grant;
import static io.warden.gateway.ratelimit.Charges.mode;
import static io.warden.gateway.ratelimit.Charges.shadow;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.redis.client.Redis;
import io.warden.policy.LimitCharge;
import io.warden.testsupport.redis.RedisServer;
import io.warden.policy.LimiterErrorMode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped or frozen mid-test: every {@code on_limiter_error} mode is honoured within the
 * deadline, decisions are flagged, and limits are exact again once Redis is back, with no
 * manual step. Each test has its own redis-server.
 */
class RedisFailureModesTest {

    static final Duration DEADLINE = Duration.ofMillis(RedisLimiterConfig.DEFAULT_DEADLINE_MS);
    /** Timer and scheduling slack on a shared two-core machine. */
    static final long SLACK_MS = 150;

    RealRedis redis;
    RedisServer server;
    Redis client;
    RedisRateLimiter limiter;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(RedisServer.binaryAvailable(), "freezing Redis needs the machine's redis-server");
        RedisLimiterConfig config = RedisLimiterConfig.defaults().withRetryDelay(Duration.ofMillis(100));
        redis = RealRedis.launch(config);
        server = redis.server;
        client = redis.client;
        limiter = new RedisRateLimiter(client, config, () -> 2, Clock.systemUTC(), new RateLimitMetrics(registry));
        limiter.loadScripts().await().atMost(Duration.ofSeconds(5));
        warmUp();
    }

    @AfterEach
    void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    /** Let the JIT see the hot path, so that a 25 ms deadline measures Redis, not class loading. */
    private void warmUp() {
        LimitCharge c = grant(fresh("warm"), 1_000_000, 1_000_000, 1_000, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < 200; i++) {
                acquire(c);
            }
            return !acquire(c).has(LimitFlag.LIMITER_UNAVAILABLE);
        });
    }

    private LimitOutcome acquire(LimitCharge... charges) {
        return limiter.acquire("srv1", List.of(charges)).await().atMost(Duration.ofSeconds(5));
    }

    private long timedMillis(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return (System.nanoTime() - t) / 1_000_000;
    }

    @Test
    void closedDeniesWhenRedisIsDown() {
        LimitCharge c = grant(fresh("closed"), 5, 5, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        server.stop();
        for (int i = 0; i < 5; i++) {
            long[] box = new long[1];
            LimitOutcome[] out = new LimitOutcome[1];
            box[0] = timedMillis(() -> out[0] = acquire(c));
            assertFalse(out[0].admitted());
            assertEquals(LimitOutcome.UNAVAILABLE_RULE, out[0].rule());
            assertTrue(out[0].has(LimitFlag.LIMITER_UNAVAILABLE));
            assertEquals(BucketOutcome.Source.UNAVAILABLE, out[0].denied().source());
            assertEquals(RedisLimiterConfig.DEFAULT_UNAVAILABLE_RETRY_AFTER_MS, out[0].retryAfterMs());
            assertTrue(out[0].message().contains("unavailable"), out[0].message());
            assertTrue(box[0] <= DEADLINE.toMillis() + SLACK_MS, "took " + box[0] + " ms");
        }
        assertTrue(registry.get(RateLimitMetrics.ERRORS).counters().stream().mapToDouble(x -> x.count()).sum() > 0);
    }

    @Test
    void aFrozenRedisCostsNoMoreThanTheDeadline() {
        LimitCharge c = grant(fresh("frozen"), 5, 5, 3_600_000, 1);
        LimitCharge open = mode(grant(fresh("frozen-open"), 5, 5, 3_600_000, 1), LimiterErrorMode.OPEN);
        assertTrue(acquire(c).admitted());
        server.pause();
        LimitOutcome[] out = new LimitOutcome[1];
        long ms = timedMillis(() -> out[0] = acquire(c));
        assertFalse(out[0].admitted());
        assertEquals(LimitOutcome.UNAVAILABLE_RULE, out[0].rule());
        assertTrue(ms >= DEADLINE.toMillis() - 2 && ms <= DEADLINE.toMillis() + SLACK_MS, "took " + ms + " ms");
        assertTrue(registry.get(RateLimitMetrics.ERRORS).tag("cause", "timeout").counter().count() >= 1);
        ms = timedMillis(() -> out[0] = acquire(open));
        assertTrue(out[0].admitted());
        assertTrue(ms <= DEADLINE.toMillis() + SLACK_MS, "took " + ms + " ms");
        server.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> !acquire(c).has(LimitFlag.LIMITER_UNAVAILABLE));
    }

    private double late(String outcome) {
        var c = registry.find(RateLimitMetrics.LATE_REPLIES).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /** Freeze Redis, let {@code charges}' call miss its deadline, then thaw it: the script runs late. */
    private LimitOutcome acquireLate(LimitCharge... charges) {
        server.pause();
        LimitOutcome o = acquire(charges);
        assertTrue(o.has(LimitFlag.LIMITER_UNAVAILABLE), "the call must have missed its deadline");
        server.resume();
        return o;
    }

    @Test
    void aLateReplyGivesBackTheTokensItTook() {
        LimitCharge c = grant(fresh("late"), 2, 2, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        LimitOutcome refused = acquireLate(c);
        assertFalse(refused.admitted());
        assertEquals(LimitOutcome.UNAVAILABLE_RULE, refused.rule());
        await().atMost(Duration.ofSeconds(10)).until(() -> late(RateLimitMetrics.LATE_REFUNDED) == 1);
        // Without the refund the late script would hold the last token and this call would be denied.
        LimitOutcome after = acquire(c);
        assertTrue(after.admitted());
        assertEquals(0, after.buckets().get(0).tokensLeft());
        // One token came back, not two: the first call's token stays taken.
        assertFalse(acquire(c).admitted());
        assertEquals(0, late(RateLimitMetrics.LATE_REFUND_FAILED));
        assertEquals(0, late(RateLimitMetrics.LATE_NOTHING_TAKEN));
    }

    @Test
    void aLateDenialGivesNothingBack() {
        LimitCharge c = grant(fresh("late-denied"), 1, 1, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        acquireLate(c);
        await().atMost(Duration.ofSeconds(10)).until(() -> late(RateLimitMetrics.LATE_NOTHING_TAKEN) == 1);
        LimitOutcome o = acquire(c);
        assertFalse(o.admitted());
        assertEquals(c.rule(), o.rule(), "denied by its tokens, not by the limiter");
        assertEquals(0, late(RateLimitMetrics.LATE_REFUNDED));
    }

    @Test
    void aLateReplyGivesBackOnlyWhatItTook() {
        LimitCharge c = grant(fresh("late-mix"), 2, 2, 3_600_000, 1);
        LimitCharge s = shadow(grant(fresh("late-shadow"), 1, 1, 3_600_000, 1));
        assertTrue(acquire(s).admitted()); // the shadow bucket is now empty: the late script cannot take from it
        acquireLate(c, s);
        await().atMost(Duration.ofSeconds(10)).until(() -> late(RateLimitMetrics.LATE_REFUNDED) == 1);
        LimitOutcome o = acquire(c, s);
        assertTrue(o.admitted());
        assertEquals(1, o.buckets().get(0).tokensLeft(), "the enforcing bucket is full again");
        assertTrue(o.buckets().get(1).wouldDeny(), "the shadow bucket got nothing it had not given");
    }

    @Test
    void aLateReplyToAnOpenAdmissionLeavesNothingInRedis() {
        // The call was admitted open, uncounted; the late script must not count it after all.
        LimitCharge c = mode(grant(fresh("late-open"), 1, 1, 3_600_000, 1), LimiterErrorMode.OPEN);
        LimitOutcome o = acquireLate(c);
        assertTrue(o.admitted());
        assertTrue(o.has(LimitFlag.LIMITER_OPEN));
        await().atMost(Duration.ofSeconds(10)).until(() -> late(RateLimitMetrics.LATE_REFUNDED) == 1);
        LimitOutcome after = acquire(c);
        assertTrue(after.admitted());
        assertFalse(after.has(LimitFlag.LIMITER_UNAVAILABLE));
        assertEquals(0, after.buckets().get(0).tokensLeft());
    }

    @Test
    void openAdmitsFlagged() {
        LimitCharge c = mode(grant(fresh("open"), 1, 1, 3_600_000, 1), LimiterErrorMode.OPEN);
        assertTrue(acquire(c).admitted());
        assertFalse(acquire(c).admitted());
        server.stop();
        for (int i = 0; i < 10; i++) {
            LimitOutcome o = acquire(c);
            assertTrue(o.admitted());
            assertTrue(o.has(LimitFlag.LIMITER_OPEN));
            assertTrue(o.has(LimitFlag.LIMITER_UNAVAILABLE));
            assertEquals(BucketOutcome.Source.OPEN, o.buckets().get(0).source());
            assertTrue(o.reservation().isEmpty());
        }
    }

    @Test
    void localFallsBackToThePodsShare() {
        // Two live gateways: this pod may admit half the burst (5 of 10) at half the rate.
        LimitCharge c = mode(grant(fresh("local"), 10, 10, 3_600_000, 1), LimiterErrorMode.LOCAL);
        server.stop();
        for (int i = 0; i < 5; i++) {
            LimitOutcome o = acquire(c);
            assertTrue(o.admitted(), "call " + i);
            assertTrue(o.has(LimitFlag.LIMITER_LOCAL));
            assertEquals(BucketOutcome.Source.LOCAL, o.buckets().get(0).source());
            assertEquals(4 - i, o.buckets().get(0).tokensLeft());
        }
        LimitOutcome denied = acquire(c);
        assertFalse(denied.admitted());
        assertEquals(c.rule(), denied.rule());
        // Half the rate: one token per 12 minutes instead of 6.
        assertTrue(denied.retryAfterMs() > 700_000 && denied.retryAfterMs() <= 720_000, "" + denied.retryAfterMs());
    }

    @Test
    void localRefundAndClosedTakePrecedence() {
        LimitCharge local = mode(grant(fresh("mix-local"), 2, 2, 3_600_000, 1), LimiterErrorMode.LOCAL);
        LimitCharge closed = grant(fresh("mix-closed"), 2, 2, 3_600_000, 1);
        server.stop();
        LimitOutcome both = acquire(local, closed);
        assertFalse(both.admitted());
        assertEquals(LimitOutcome.UNAVAILABLE_RULE, both.rule());
        // The denied call took nothing from the local share (capacity 2 / 2 pods = 1).
        LimitOutcome first = acquire(local);
        assertTrue(first.admitted());
        assertFalse(acquire(local).admitted());
        limiter.refund(first.reservation()).await().atMost(Duration.ofSeconds(1));
        assertTrue(acquire(local).admitted());
    }

    @Test
    void refundWhileRedisIsDownCompletesNormally() {
        LimitCharge c = grant(fresh("refund-down"), 2, 2, 3_600_000, 1);
        LimitOutcome o = acquire(c);
        assertTrue(o.admitted());
        server.stop();
        limiter.refund(o.reservation()).await().atMost(Duration.ofSeconds(1));
        assertEquals(1.0, registry.get(RateLimitMetrics.REFUNDS).tag("outcome", "failed").counter().count());
    }

    @Test
    void exactAgainAfterRedisRestartsWithoutAManualStep() {
        LimitCharge c = grant(fresh("restart"), 3, 3, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        server.stop();
        assertTrue(acquire(c).has(LimitFlag.LIMITER_UNAVAILABLE));
        server.start(); // same port, empty data set, no scripts cached
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> !acquire(grant(fresh("probe"), 1, 1, 1_000, 1)).has(LimitFlag.LIMITER_UNAVAILABLE));
        LimitCharge after = grant(fresh("after"), 3, 3, 3_600_000, 1);
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            LimitOutcome o = acquire(after);
            assertFalse(o.has(LimitFlag.LIMITER_UNAVAILABLE));
            if (o.admitted()) {
                admitted++;
            }
        }
        assertEquals(3, admitted);
    }
}
