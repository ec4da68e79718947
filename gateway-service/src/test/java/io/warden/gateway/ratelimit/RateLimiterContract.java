package io.warden.gateway.ratelimit;

import static io.warden.gateway.ratelimit.Charges.cost;
import static io.warden.gateway.ratelimit.Charges.fresh;
import static io.warden.gateway.ratelimit.Charges.grant;
import static io.warden.gateway.ratelimit.Charges.shadow;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.policy.CallContext;
import io.warden.policy.CompileResult;
import io.warden.policy.LimitCharge;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.Subject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link RateLimiter} must have. Subclasses supply the limiter and a way
 * to let time pass: the in-memory limiter moves its clock, a Redis limiter lets real time run
 * (windows here are short, and refill is awaited, never slept for).
 */
abstract class RateLimiterContract {

    /** The limiter under test; the same instance for a whole test method. */
    protected abstract RateLimiter limiter();

    /** Let at least {@code ms} of limiter time pass (or start to pass: callers then await). */
    protected abstract void passTime(long ms);

    protected LimitOutcome acquire(LimitCharge... charges) {
        return acquire(List.of(charges));
    }

    protected LimitOutcome acquire(List<LimitCharge> charges) {
        return limiter().acquire("srv1", charges).await().atMost(Duration.ofSeconds(5));
    }

    protected void refund(Reservation r) {
        limiter().refund(r).await().atMost(Duration.ofSeconds(5));
    }

    /** Admitted calls until the first denial (at most {@code max}). */
    protected int drain(int max, LimitCharge... charges) {
        for (int i = 0; i < max; i++) {
            if (!acquire(charges).admitted()) {
                return i;
            }
        }
        return max;
    }

    /** The charge of one call under a policy deployed as {@code policyId}, keyed exactly as the engine keys it. */
    private static LimitCharge underPolicy(String policyId, String counter, String scope, int max) {
        ObjectNode limit = JsonNodeFactory.instance.objectNode().put("counter", counter).put("window", "hour")
                .put("max", max).put("scope", scope);
        ObjectNode policy = JsonNodeFactory.instance.objectNode().put("version", "1").put("default", "allow");
        policy.putObject("all_tools").putArray("limits").add(limit);
        CompileResult r = PolicyCompiler.compile(policy, policyId);
        assertTrue(r.ok(), r.problems()::toString);
        return r.policy().evaluateCall(new CallContext(Subject.of("g1", "srv1"), "echo", null, null, Instant.now()))
                .limits().get(0);
    }

    @Test
    void twoPoliciesSharingAServerOrGlobalCounterNameHaveIndependentBuckets() {
        for (String scope : List.of("server", "global")) {
            String counter = fresh("shared");
            LimitCharge strict = underPolicy("strict", counter, scope, 1);
            LimitCharge relaxed = underPolicy("relaxed", counter, scope, 3);

            assertEquals(1, drain(5, strict), scope);
            assertEquals(3, drain(5, relaxed), scope + ": the strict policy's calls took nothing from this bucket");
            assertEquals(0, drain(5, strict), scope);
        }
    }

    @Test
    void noChargesAdmitsAtOnce() {
        LimitOutcome o = acquire(List.of());
        assertTrue(o.admitted());
        assertTrue(o.reservation().isEmpty());
    }

    @Test
    void admitsExactlyBurstThenDenies() {
        LimitCharge c = grant(fresh("calls"), 5, 5, 3_600_000, 1);
        for (int left = 4; left >= 0; left--) {
            LimitOutcome o = acquire(c);
            assertTrue(o.admitted());
            assertEquals(left, o.buckets().get(0).tokensLeft());
            assertEquals("", o.rule());
            assertEquals(0, o.retryAfterMs());
        }
        LimitOutcome denied = acquire(c);
        assertFalse(denied.admitted());
        assertEquals(c.rule(), denied.rule());
        assertSame(c, denied.denied().charge());
        assertEquals(0, denied.denied().tokensLeft());
        // One token per 12 minutes.
        assertTrue(denied.retryAfterMs() > 700_000 && denied.retryAfterMs() <= 720_000, "" + denied.retryAfterMs());
        assertTrue(denied.message().contains(c.counter()), denied.message());
        assertTrue(denied.message().contains("5 per hour"), denied.message());
        assertTrue(denied.reservation().isEmpty());
    }

    @Test
    void refillsOverTime() {
        // Burst 2, then one token per 100 ms.
        LimitCharge c = grant(fresh("refill"), 2, 10, 1_000, 1);
        assertEquals(2, drain(10, c));
        LimitOutcome denied = acquire(c);
        assertFalse(denied.admitted());
        assertTrue(denied.retryAfterMs() > 0 && denied.retryAfterMs() <= 100, "" + denied.retryAfterMs());
        passTime(denied.retryAfterMs());
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5)).until(() -> acquire(c).admitted());
        assertFalse(acquire(c).admitted());
    }

    @Test
    void allOrNothingAcrossBuckets() {
        LimitCharge wide = grant(fresh("wide"), 5, 5, 3_600_000, 1);
        LimitCharge narrow = grant(fresh("narrow"), 1, 1, 3_600_000, 1);
        assertTrue(acquire(wide, narrow).admitted());
        LimitOutcome o = acquire(wide, narrow);
        assertFalse(o.admitted());
        assertEquals(narrow.rule(), o.rule());
        assertTrue(o.buckets().get(0).allowed());
        assertFalse(o.buckets().get(1).allowed());
        assertEquals(4, drain(10, wide), "the denied call must not have taken from the wide bucket");
    }

    @Test
    void deniedCallsChargeNothing() {
        LimitCharge a = grant(fresh("a"), 3, 3, 3_600_000, 1);
        LimitCharge b = grant(fresh("b"), 1, 1, 3_600_000, 1);
        assertTrue(acquire(b).admitted());
        for (int i = 0; i < 20; i++) {
            assertFalse(acquire(a, b).admitted());
        }
        assertEquals(3, drain(10, a));
    }

    @Test
    void sameBucketTwiceInOneCallAddsTheCosts() {
        LimitCharge c = grant(fresh("twice"), 3, 3, 3_600_000, 1);
        assertTrue(acquire(c, c).admitted());
        LimitOutcome o = acquire(c, c);
        assertFalse(o.admitted(), "one token left, the call needs two");
        assertEquals(1, drain(5, c));
    }

    @Test
    void refundGivesTokensBack() {
        LimitCharge a = grant(fresh("ra"), 3, 3, 3_600_000, 1);
        LimitCharge b = grant(fresh("rb"), 2, 2, 3_600_000, 2);
        LimitOutcome first = acquire(a, b);
        assertTrue(first.admitted());
        assertEquals(2, first.reservation().stored().size());
        assertFalse(acquire(a, b).admitted());
        refund(first.reservation());
        assertTrue(acquire(a, b).admitted());
        assertEquals(2, drain(5, a));
    }

    @Test
    void refundNeverFillsBeyondCapacity() {
        LimitCharge c = grant(fresh("over"), 2, 2, 3_600_000, 1);
        LimitOutcome first = acquire(c);
        refund(first.reservation());
        refund(first.reservation());
        refund(Reservation.NONE);
        assertEquals(2, drain(5, c));
    }

    @Test
    void shadowNeverDenies() {
        LimitCharge s = shadow(grant(fresh("shadow"), 1, 1, 3_600_000, 1));
        LimitCharge real = grant(fresh("real"), 10, 10, 3_600_000, 1);
        LimitOutcome first = acquire(s, real);
        assertTrue(first.admitted());
        assertFalse(first.has(LimitFlag.SHADOW_WOULD_DENY));
        for (int i = 0; i < 3; i++) {
            LimitOutcome o = acquire(s, real);
            assertTrue(o.admitted());
            assertTrue(o.has(LimitFlag.SHADOW_WOULD_DENY));
            assertTrue(o.buckets().get(0).wouldDeny());
            assertTrue(o.buckets().get(0).waitMillis() > 0);
            assertTrue(o.buckets().get(1).allowed());
        }
        assertEquals(6, drain(10, real));
    }

    @Test
    void retryAfterIsTheLongestWait() {
        LimitCharge perSecond = grant(fresh("fast"), 1, 1, 1_000, 1);
        LimitCharge perMinute = grant(fresh("slow"), 1, 1, 60_000, 1);
        assertTrue(acquire(perSecond, perMinute).admitted());
        LimitOutcome o = acquire(perSecond, perMinute);
        assertFalse(o.admitted());
        assertEquals(perMinute.rule(), o.rule());
        assertTrue(o.retryAfterMs() > 55_000 && o.retryAfterMs() <= 60_000, "" + o.retryAfterMs());
        long shortWait = o.buckets().get(0).waitMillis();
        assertTrue(shortWait > 0 && shortWait <= 1_000, "" + shortWait);
        assertEquals(o.retryAfterMs(), o.buckets().get(1).waitMillis());
    }

    @Test
    void costAboveCapacityNeverPasses() {
        LimitCharge c = cost(grant(fresh("big"), 10, 10, 1_000, 1), 11);
        LimitOutcome o = acquire(c);
        assertFalse(o.admitted());
        assertTrue(o.has(LimitFlag.NEVER_SATISFIABLE));
        assertEquals(-1, o.retryAfterMs());
        assertTrue(o.message().contains("more than the counter can ever hold"), o.message());
        assertEquals(10, drain(20, cost(c, 1)));
    }

    @Test
    void costZeroAlwaysPasses() {
        LimitCharge c = grant(fresh("zero"), 1, 1, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        LimitOutcome o = acquire(cost(c, 0));
        assertTrue(o.admitted());
        assertEquals(0, o.buckets().get(0).tokensLeft());
        assertTrue(o.reservation().isEmpty());
    }

    @Test
    void weightedCosts() {
        LimitCharge c = grant(fresh("dollars"), 1_000, 1_000, 86_400_000, 400);
        assertTrue(acquire(c).admitted());
        assertTrue(acquire(c).admitted());
        LimitOutcome o = acquire(c);
        assertFalse(o.admitted());
        assertEquals(200, o.buckets().get(0).tokensLeft());
        assertTrue(acquire(cost(c, 200)).admitted());
    }

    @Test
    void concurrentCallersNeverOverAdmit() throws Exception {
        LimitCharge c = grant(fresh("hot"), 100, 1, 3_600_000, 1);
        int threads = 16;
        int perThread = 40;
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<Void> task = () -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        if (acquire(c).admitted()) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                };
                done.add(pool.submit(task));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // At most one more token can refill during the test (one per 36 s).
        assertTrue(admitted.get() >= 100 && admitted.get() <= 101, "admitted " + admitted.get());
    }
}
