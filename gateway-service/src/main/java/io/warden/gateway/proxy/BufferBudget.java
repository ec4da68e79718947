package io.warden.gateway.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The pod-wide budget of bytes held in memory for upstream answers: JSON answers collected to be inspected (policy
 * hooks, hidden tools, era translation) and the event an SSE parser is still assembling. Each holder takes a
 * {@link Lease}, grows it as bytes arrive and closes it when done, so the total stays under the bound however many
 * exchanges run at once. Counters only: thread-safe without locks.
 */
final class BufferBudget {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    BufferBudget(long maxBytes) {
        this.max = maxBytes;
    }

    /** True while some bytes are left: a new exchange whose answer may be buffered is admitted only then. */
    boolean hasRoom() {
        return used.get() < max;
    }

    long used() {
        return used.get();
    }

    long max() {
        return max;
    }

    Lease lease() {
        return new Lease();
    }

    /** The bytes one holder keeps. Used on one event loop at a time; closing twice is harmless. */
    final class Lease {
        private long held;
        private boolean closed;

        /** Holds {@code bytes} in all (more or fewer than before). False, holding what it held, when the pod has no room. */
        boolean resize(long bytes) {
            if (closed) {
                return bytes == 0;
            }
            long delta = bytes - held;
            if (delta > 0 && used.addAndGet(delta) > max) {
                used.addAndGet(-delta);
                return false;
            }
            if (delta < 0) {
                used.addAndGet(delta);
            }
            held = bytes;
            return true;
        }

        /** Holds {@code more} bytes on top of what it holds. */
        boolean grow(long more) {
            return resize(held + more);
        }

        long held() {
            return held;
        }

        void close() {
            if (!closed) {
                used.addAndGet(-held);
                held = 0;
                closed = true;
            }
        }
    }
}
