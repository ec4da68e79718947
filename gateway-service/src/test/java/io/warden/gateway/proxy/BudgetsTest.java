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
    void streamsLeaveCallsTheirFileDescriptors() {
        // 20,000 files, 1,024 calls in flight: 20000 - 512 - 2048 descriptors for streams.
        assertEquals(17_440, Budgets.streamDescriptors(1024, 20_000));
        assertEquals(0, Budgets.streamDescriptors(1024, 1024), "no room at all: no streams, calls first");
        assertEquals(Long.MAX_VALUE, Budgets.streamDescriptors(1024, 0), "limit unknown: no bound");
    }

    @Test
    void anHttp1StreamHoldsTwoDescriptorsAndAMultiplexedOneOnePlusItsOriginsConnections() {
        // 20 descriptors for streams; HTTP/2: 2 connections of 3 streams per origin.
        Budgets b = new Budgets(100, 100, 2, 2, 2, 1 << 20, 20, metrics, now::get);
        Budgets.Lane h2 = Budgets.Lane.multiplexed("http://127.0.0.1:1", 2, 3, false);
        java.util.List<Budgets.Permit> held = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Budgets.Taken t = b.stream("s", "g", h2);
            assertTrue(t.granted(), "stream " + i);
            held.add(t.permit());
        }
        assertEquals(6 + 2, b.streamDescriptorsHeld(), "six streams and the two connections that may carry them");
        Budgets.Taken seventh = b.stream("s", "g", h2);
        assertEquals("http2-max-connections", seventh.refusal().setting());
        assertEquals(503, seventh.refusal().status());
        assertEquals(5, seventh.refusal().retryAfterSeconds());
        assertTrue(b.stream("s", "g", Budgets.Lane.multiplexed("http://127.0.0.1:2", 1, 3, false)).granted(),
                "another origin has its own connections");
        assertEquals(10, b.streamDescriptorsHeld());

        // 10 left: five HTTP/1.1 streams, then none.
        for (int i = 0; i < 5; i++) {
            held.add(b.stream("s", "g", Budgets.Lane.OWN_CONNECTION).permit());
        }
        assertEquals(20, b.streamDescriptorsHeld());
        Budgets.Taken full = b.stream("s", "g", Budgets.Lane.OWN_CONNECTION);
        assertEquals("files_exhausted", full.refusal().cause());
        assertEquals("max-concurrent-streams", full.refusal().setting());
        assertEquals(12, metrics.activeStreams().get(), "a refused stream gives back what it took");

        held.forEach(Budgets.Permit::release);
        assertEquals(2, b.streamDescriptorsHeld(), "the other origin's stream and its connection");
        assertEquals(1.0, registry.counter(ProxyMetrics.REFUSALS, "server", "s", "cause", "http2_streams_exhausted").count());
        assertEquals(1.0, registry.counter(ProxyMetrics.REFUSALS, "server", "s", "cause", "files_exhausted").count());
    }

    @Test
    void givingBackMultiplexedStreamsInAnyOrderReturnsToStreamsPlusTheOriginsConnections() {
        Budgets b = new Budgets(100, 100, 2, 2, 2, 1 << 20, 1000, metrics, now::get);
        Budgets.Lane h2 = Budgets.Lane.multiplexed("o", 10, 4, false);
        java.util.List<Budgets.Permit> held = new java.util.ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 200; round++) {
            if (held.isEmpty() || random.nextBoolean()) {
                held.add(b.stream("s", "g", h2).permit());
            } else {
                held.remove(random.nextInt(held.size())).release();
            }
            int n = held.size();
            assertEquals(n == 0 ? 0 : n + 10, b.streamDescriptorsHeld(), "streams plus the origin's 10 connections");
        }
    }

    @Test
    void anHttpsUpstreamThatMayAnswerHttp1IsChargedAsHttp1() {
        Budgets b = new Budgets(100, 100, 2, 2, 2, 1 << 20, 1000, metrics, now::get);
        b.stream("s", "g", Budgets.Lane.multiplexed("https://h:443", 10, 4, true));
        assertEquals(12, b.streamDescriptorsHeld(), "two of its own, and the origin's ten connections");
    }
}
