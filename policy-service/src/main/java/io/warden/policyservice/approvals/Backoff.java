package io.warden.policyservice.approvals;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Wait before the next delivery attempt: the initial wait doubled per failure, capped, and then a random point in
 * its upper half ("equal jitter"), so receivers that come back are not hit by every replica at the same instant.
 */
public final class Backoff {
    private Backoff() {
    }

    /** {@code failures} ≥ 1; {@code random} returns values in [0, 1). */
    public static Duration after(int failures, Duration initial, Duration max, DoubleSupplier random) {
        long cap = Math.max(1, max.toMillis());
        long base = Math.max(1, initial.toMillis());
        for (int i = 1; i < failures && base < cap; i++) {
            base *= 2;
        }
        base = Math.min(base, cap);
        return Duration.ofMillis(base / 2 + (long) (random.getAsDouble() * (base - base / 2)));
    }
}
