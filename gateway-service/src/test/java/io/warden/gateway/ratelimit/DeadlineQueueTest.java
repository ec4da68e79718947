package io.warden.gateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The deadline sweeper is armed only while requests are in flight, and a deadline still fires after any idle spell.
 * Time and the timer are driven by hand, except in the race test, which uses a real scheduler thread.
 */
class DeadlineQueueTest {

    static final long TICK = 1_000_000;
    static final long DEADLINE = 10 * TICK;

    /** A timer that only records; the test runs the sweeps. */
    static final class HandTimer implements DeadlineQueue.Timer {
        final List<Runnable> scheduled = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        int ran;

        @Override
        public void schedule(Runnable task, long delayNanos) {
            scheduled.add(task);
            delays.add(delayNanos);
        }

        /** Run the sweeps scheduled so far and not yet run (not those they schedule: those are a tick later). */
        int runDue() {
            int n = 0;
            int due = scheduled.size();
            while (ran < due) {
                scheduled.get(ran++).run();
                n++;
            }
            return n;
        }

        int pending() {
            return scheduled.size() - ran;
        }
    }

    static class Request extends DeadlineQueue.Entry {
        final AtomicInteger expiries = new AtomicInteger();
        final CompletableFuture<Void> expired = new CompletableFuture<>();

        Request(long deadlineNanos) {
            super(deadlineNanos);
        }

        @Override
        protected void onExpired() {
            expiries.incrementAndGet();
            expired.complete(null);
        }
    }

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final HandTimer timer = new HandTimer();
    final DeadlineQueue queue = new DeadlineQueue(timer, TICK, now::get);

    Request add() {
        Request r = new Request(now.get() + DEADLINE);
        queue.add(r);
        return r;
    }

    @Test
    void nothingIsScheduledWhileIdle() {
        assertEquals(0, timer.scheduled.size());
        assertFalse(queue.armed());
        now.addAndGet(1_000 * DEADLINE);
        assertEquals(0, timer.runDue());
        assertEquals(0, timer.scheduled.size());
    }

    @Test
    void theFirstRequestArmsOneSweepAndLaterOnesAddNone() {
        add();
        add();
        add();
        assertEquals(1, timer.scheduled.size());
        assertEquals(List.of(TICK), timer.delays);
        assertTrue(queue.armed());
    }

    @Test
    void sweepsReArmWhileRequestsAreInFlightAndStopOnceTheyAreSettled() {
        Request a = add();
        for (int tick = 1; tick < 10; tick++) {
            now.addAndGet(TICK);
            assertEquals(1, timer.runDue());
            assertEquals(0, a.expiries.get(), "tick " + tick);
            assertEquals(1, timer.pending(), "re-armed while in flight");
        }
        now.addAndGet(TICK);
        timer.runDue();
        assertEquals(1, a.expiries.get());
        assertEquals(0, timer.pending(), "queue empty: no next sweep");
        assertFalse(queue.armed());
        assertEquals(0, queue.size());
    }

    @Test
    void answeredRequestsAreDroppedByTheNextSweepWhichThenStops() {
        Request a = add();
        Request b = add();
        assertTrue(a.answer());
        assertTrue(b.answer());
        assertFalse(b.answer(), "settled once");
        now.addAndGet(TICK);
        timer.runDue();
        assertEquals(0, queue.size());
        assertEquals(0, timer.pending());
        assertFalse(queue.armed());
        now.addAndGet(2 * DEADLINE);
        assertEquals(0, timer.runDue());
        assertEquals(0, a.expiries.get() + b.expiries.get());
        assertFalse(a.expired());
    }

    @Test
    void anExpiredRequestCannotBeAnsweredAfterwards() {
        Request a = add();
        now.addAndGet(DEADLINE);
        timer.runDue();
        assertTrue(a.expired());
        assertFalse(a.answer());
        assertEquals(1, a.expiries.get());
    }

    @Test
    void deadlinesStillFireAfterIdlePeriods() {
        for (int round = 0; round < 5; round++) {
            int before = timer.scheduled.size();
            now.addAndGet(100 * DEADLINE); // idle: nothing runs, nothing is scheduled
            assertEquals(0, timer.runDue());
            assertEquals(before, timer.scheduled.size());
            Request r = add();
            assertEquals(before + 1, timer.scheduled.size(), "round " + round + ": the request armed the sweeper");
            now.addAndGet(DEADLINE);
            timer.runDue();
            assertEquals(1, r.expiries.get(), "round " + round);
            assertFalse(queue.armed());
        }
    }

    @Test
    void aRequestAddedDuringASweepIsSweptLater() {
        // The add-after-check case, made deterministic: the request is added from inside a sweep, while the
        // sweeper is still armed, so its add arms nothing; the sweep must then see it and re-arm.
        Request[] late = new Request[1];
        Request first = new Request(now.get() + DEADLINE) {
            @Override
            protected void onExpired() {
                super.onExpired();
                late[0] = new Request(now.get() + DEADLINE);
                queue.add(late[0]);
            }
        };
        queue.add(first);
        now.addAndGet(DEADLINE);
        timer.runDue(); // expires first, whose handler adds late
        assertEquals(1, first.expiries.get());
        assertTrue(queue.armed(), "re-armed for the request added during the sweep");
        now.addAndGet(DEADLINE);
        timer.runDue();
        assertEquals(1, late[0].expiries.get());
        assertFalse(queue.armed());
    }

    @Test
    void anEarlierDeadlineOfItsOwnFiresOnTimeBehindLaterSharedOnes() {
        Request shared = add(); // deadline at DEADLINE
        now.addAndGet(5 * TICK);
        Request retry = new Request(now.get() + 2 * TICK); // what is left of an earlier call's deadline
        queue.addWithOwnDeadline(retry);
        assertEquals(1, timer.scheduled.size(), "one sweeper for both");
        now.addAndGet(2 * TICK);
        timer.runDue();
        assertEquals(1, retry.expiries.get(), "fired at its own deadline, not after the shared entry ahead of it");
        assertEquals(0, shared.expiries.get());
        assertEquals(1, queue.size(), "the retry left the queue");
        now.addAndGet(3 * TICK);
        timer.runDue();
        assertEquals(1, shared.expiries.get());
        assertEquals(1, retry.expiries.get(), "expired once");
        assertFalse(queue.armed());
    }

    @Test
    void anAnsweredEntryWithItsOwnDeadlineIsDroppedAndTheSweeperStops() {
        Request retry = new Request(now.get() + 3 * TICK);
        queue.addWithOwnDeadline(retry);
        assertTrue(queue.armed());
        assertTrue(retry.answer());
        now.addAndGet(TICK);
        timer.runDue();
        assertEquals(0, queue.size());
        assertFalse(queue.armed());
        assertEquals(0, retry.expiries.get());
    }

    @Test
    void aThrowingExpiryHandlerDoesNotStopTheSweep() {
        Request bad = new Request(now.get() + DEADLINE) {
            @Override
            protected void onExpired() {
                super.onExpired();
                throw new IllegalStateException("caller's handler");
            }
        };
        queue.add(bad);
        Request good = add();
        now.addAndGet(DEADLINE);
        timer.runDue();
        assertEquals(1, bad.expiries.get());
        assertEquals(1, good.expiries.get());
        assertFalse(queue.armed());
    }

    @Test
    void noWakeUpIsLostWhenRequestsArriveAsASweepFinishes() throws Exception {
        // Real thread, real clock: each request is added the moment the previous one's expiry is seen, that is
        // while the sweep that expired it is still finishing (disarming, checking the queue). A lost wake-up
        // leaves a request that never expires, and its future times out.
        ScheduledThreadPoolExecutor exec = new ScheduledThreadPoolExecutor(1);
        try {
            AtomicInteger schedules = new AtomicInteger();
            DeadlineQueue real = new DeadlineQueue((task, d) -> {
                schedules.incrementAndGet();
                exec.schedule(task, d, TimeUnit.NANOSECONDS);
            }, TICK, System::nanoTime);
            for (int i = 0; i < 1_000; i++) {
                Request r = new Request(System.nanoTime() + TICK);
                real.add(r);
                r.expired.get(5, TimeUnit.SECONDS);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !real.armed());
            int settled = schedules.get();
            // Idle now: not one more sweep is scheduled.
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(200))
                    .atMost(java.time.Duration.ofSeconds(2)).until(() -> schedules.get() == settled);
            assertEquals(0, exec.getQueue().size());
        } finally {
            exec.shutdownNow();
        }
    }
}
