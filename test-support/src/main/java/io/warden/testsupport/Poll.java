package io.warden.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling; the only way launchers wait (no fixed sleeps). */
public final class Poll {
    private static final Duration INTERVAL = Duration.ofMillis(25);

    private Poll() {}

    /**
     * Polls {@code ready} until it returns true or {@code timeout} passes; a condition that throws counts as
     * "not yet". {@code whyNot} is asked for details only when the wait fails.
     */
    public static void until(Duration timeout, BooleanSupplier ready, Supplier<String> whyNot) {
        until(timeout, ready, () -> false, whyNot);
    }

    /** As above, but gives up at once when {@code hopeless} turns true (e.g. the server process exited). */
    public static void until(Duration timeout, BooleanSupplier ready, BooleanSupplier hopeless, Supplier<String> whyNot) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (ready.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            boolean givenUp = hopeless.getAsBoolean();
            if (givenUp || System.nanoTime() > deadline) {
                IllegalStateException failure = new IllegalStateException(
                        (givenUp ? "gave up: " : "not ready after " + timeout.toMillis() + " ms: ") + whyNot.get());
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            try {
                Thread.sleep(INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting: " + whyNot.get(), e);
            }
        }
    }
}
