package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.warden.gateway.metrics.ProxyMetrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BudgetsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProxyMetrics metrics = new ProxyMetrics(registry);
    private final AtomicLong now = new AtomicLong();
    private final Budgets budgets = new Budgets(3, 2, 2, 2, 2, 1 << 20, metrics, now::get);

    @Test
    void aGrantCannotTakeMoreThanItsStreamsAndGivesThemBackOnce() {
        Budgets.Taken a = budgets.stream("s", "g1");
        Budgets.Taken b = budgets.stream("s", "g1");
        Budgets.Taken c = budgets.stream("s", "g1");
        assertTrue(a.granted() && b.granted());
        assertFalse(c.granted());
        assertEquals("max-streams-per-grant", c.refusal().setting());
        assertEquals(503, c.refusal().status());
        assertTrue(budgets.stream("s", "g2").granted(), "another grant has its own budget");
        assertEquals(3, metrics.activeStreams().get());
        assertEquals(3, metrics.serverStreams("s").get());

        Budgets.Taken pod = budgets.stream("s", "g3");
        assertEquals("max-concurrent-streams", pod.refusal().setting());

        a.permit().release();
        a.permit().release(); // twice is harmless
        assertEquals(1, budgets.streamsOf("g1"));
        assertEquals(2, metrics.activeStreams().get());
        assertTrue(budgets.stream("s", "g1").granted());
        assertEquals(1.0, registry.counter(ProxyMetrics.REFUSALS, "server", "s", "cause", "grant_streams_exhausted").count());
        assertEquals(1.0, registry.counter(ProxyMetrics.REFUSALS, "server", "s", "cause", "streams_exhausted").count());
    }

    @Test
    void callsInFlightAreBoundedAndStreamsDoNotCount() {
        budgets.stream("s", "g1");
        budgets.stream("s", "g2");
        Budgets.Taken one = budgets.call("s");
        assertTrue(one.granted() && budgets.call("s").granted());
        Budgets.Taken third = budgets.call("s");
        assertEquals("max-calls-in-flight", third.refusal().setting());
        assertEquals(503, third.refusal().status());
        one.permit().release();
        assertTrue(budgets.call("s").granted());
        assertEquals(2, budgets.callsInFlight());
    }

    @Test
    void sessionsPerGrantPerMinuteUseAFixedWindow() {
        assertNull(budgets.session("s", "g1"));
        assertNull(budgets.session("s", "g1"));
        Budgets.Refusal r = budgets.session("s", "g1");
        assertEquals("max-sessions-per-grant-per-minute", r.setting());
        assertEquals(429, r.status());
        assertTrue(r.retryAfterSeconds() >= 1 && r.retryAfterSeconds() <= 60);
        assertNull(budgets.session("s", "g2"), "another grant has its own window");
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertNull(budgets.session("s", "g1"), "a new minute, a new window");
    }

    @Test
    void aGrantHoldingItsRevocationsIsRefusedUntilTheFirstExpires() {
        assertNull(budgets.revocation("s", new io.warden.gateway.cluster.RevocationSet.Holding(1, 50)));
        Budgets.Refusal r = budgets.revocation("s", new io.warden.gateway.cluster.RevocationSet.Holding(2, 50));
        assertEquals("max-revocations-per-grant", r.setting());
        assertEquals(429, r.status());
        assertEquals(50, r.retryAfterSeconds());
        assertEquals(1, budgets.revocation("s", new io.warden.gateway.cluster.RevocationSet.Holding(2, 0)).retryAfterSeconds());
        assertEquals(2.0, registry.counter(ProxyMetrics.REFUSALS, "server", "s", "cause", "grant_revocations_exhausted").count());
    }

    @Test
    void aSharedWindowDecidesWhenThereIsOneAndThePodsOwnOtherwise() {
        var shared = new io.warden.gateway.cluster.SessionCounts.Window(2, 1500);
        assertNull(budgets.session("s", "g1", shared), "the second of two allowed");
        Budgets.Refusal r = budgets.session("s", "g1", new io.warden.gateway.cluster.SessionCounts.Window(3, 1500));
        assertEquals("max-sessions-per-grant-per-minute", r.setting());
        assertEquals(2, r.retryAfterSeconds(), "1.5 s left, rounded up");
        assertNull(budgets.session("s", "g1", null));
        assertNull(budgets.session("s", "g1", null));
        assertEquals(429, budgets.session("s", "g1", null).status(), "without a shared count the pod's own window");
    }

    @Test
    void streamsAreCappedSoThatCallsKeepTheirFileDescriptors() {
        // 20,000 files, 1,024 calls in flight: (20000 - 512 - 2048) / 2 streams at most.
        assertEquals(8720, Budgets.streamsWithinFileLimit(10_000, 1024, 20_000));
        assertEquals(5000, Budgets.streamsWithinFileLimit(5000, 1024, 20_000), "a budget that fits is kept");
        assertEquals(10_000, Budgets.streamsWithinFileLimit(10_000, 1024, 1 << 20));
        assertEquals(0, Budgets.streamsWithinFileLimit(10_000, 1024, 1024), "no room at all: no streams, calls first");
        assertEquals(10_000, Budgets.streamsWithinFileLimit(10_000, 1024, 0), "limit unknown: as configured");
    }
}
