package io.warden.gateway.ratelimit;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;

/**
 * The requests in flight on {@link RedisPipelines}, in a FIFO (and a side list for the odd deadline), and the sweeper
 * that expires those past their deadline.
 *
 * <p>Requests share one deadline, so the queue is in deadline order and a sweep only looks at its head: it drops
 * the answered entries there and expires the overdue ones, stopping at the first that is still in time. Adding costs
 * one queue insertion; a timer per request (a lock and often a thread wake-up each) measured at a third of the
 * throughput. The rare request with a deadline of its own (a retry given what is left of its call's deadline) would
 * break that order, waiting behind later deadlines; it goes to a second queue that every sweep reads in full.
 *
 * <p>The sweeper runs only while the queue holds entries, so an idle gateway is never woken: the {@link #add} that
 * finds it disarmed arms one sweep a tick later, and each sweep re-arms itself while entries remain (the answered ones
 * included, which it drops on its next pass). No wake-up is lost: a sweep disarms before its last emptiness check and
 * an add arms after its insertion, so an entry the check missed was inserted after the disarm, and its add sees the
 * sweeper disarmed and arms it. At most one sweep is armed at a time and a sweep takes entries only while armed, so
 * the queue has one consumer.
 */
final class DeadlineQueue {

    /** Runs a task once after a delay: the shared sweeper thread in production, a hand-driven list in tests. */
    interface Timer {
        void schedule(Runnable task, long delayNanos);
    }

    /** One request in flight, settled exactly once: by its answer, or by the sweeper when its deadline passes. */
    abstract static class Entry {
        private static final int IN_FLIGHT = 0;
        private static final int ANSWERED = 1;
        private static final int EXPIRED = 2;
        private static final AtomicIntegerFieldUpdater<Entry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "state");

        final long deadlineNanos;
        private volatile int state;

        Entry(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        /** Settle by an answer (reply or failure); true only if the request was still in flight. */
        final boolean answer() {
            return STATE.compareAndSet(this, IN_FLIGHT, ANSWERED);
        }

        /** True when the sweeper settled this request: its caller was told it missed the deadline. */
        final boolean expired() {
            return state == EXPIRED;
        }

        final boolean settled() {
            return state != IN_FLIGHT;
        }

        private boolean expire() {
            return STATE.compareAndSet(this, IN_FLIGHT, EXPIRED);
        }

        /** Called once, on the sweeper's thread, when this request missed its deadline. */
        protected abstract void onExpired();
    }

    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    /** Entries whose deadline is not the shared one, in no particular order; rare, so read in full. */
    private final ConcurrentLinkedQueue<Entry> ownDeadlines = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Timer timer;
    private final long tickNanos;
    private final LongSupplier nanoTime;
    private final Runnable sweepTask = this::sweep;

    /**
     * @param timer where sweeps are scheduled
     * @param tickNanos delay between sweeps while entries remain: a deadline fires up to one tick late
     * @param nanoTime the clock of {@link Entry#deadlineNanos} ({@code System::nanoTime} in production)
     */
    DeadlineQueue(Timer timer, long tickNanos, LongSupplier nanoTime) {
        this.timer = timer;
        this.tickNanos = tickNanos;
        this.nanoTime = nanoTime;
    }

    /** Track {@code e}, whose deadline is the shared one (its add time plus the same span), until it is settled. */
    void add(Entry e) {
        queue.add(e);
        arm();
    }

    /** Track {@code e}, whose deadline is not the shared one, until it is answered or expired. */
    void addWithOwnDeadline(Entry e) {
        ownDeadlines.add(e);
        arm();
    }

    /** True while a sweep is scheduled or running (tests). */
    boolean armed() {
        return armed.get();
    }

    /** Entries still queued, answered ones the sweeper has not dropped yet included (tests). */
    int size() {
        return queue.size() + ownDeadlines.size();
    }

    /** Expire the overdue entries at the head, drop the answered ones, and re-arm while any remain. */
    void sweep() {
        try {
            long now = nanoTime.getAsLong();
            Entry e;
            while ((e = queue.peek()) != null) {
                if (e.settled()) {
                    queue.poll();
                    continue;
                }
                if (e.deadlineNanos - now > 0) {
                    break;
                }
                queue.poll();
                expire(e);
            }
            for (Iterator<Entry> it = ownDeadlines.iterator(); it.hasNext(); ) {
                Entry o = it.next();
                if (o.settled() || o.deadlineNanos - now <= 0) {
                    it.remove();
                    expire(o);
                }
            }
        } finally {
            // Disarm, then look: an add that lands after this check finds the sweeper disarmed and arms it.
            armed.set(false);
            if (!queue.isEmpty() || !ownDeadlines.isEmpty()) {
                arm();
            }
        }
    }

    private static void expire(Entry e) {
        if (e.expire()) {
            try {
                e.onExpired();
            } catch (RuntimeException ex) {
                // A caller's failure handler threw: nothing the sweeper can do, keep sweeping.
            }
        }
    }

    private void arm() {
        if (!armed.get() && armed.compareAndSet(false, true)) {
            try {
                timer.schedule(sweepTask, tickNanos);
            } catch (RuntimeException e) {
                armed.set(false); // the next add tries again
                throw e;
            }
        }
    }
}
