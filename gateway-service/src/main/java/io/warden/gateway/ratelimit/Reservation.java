package io.warden.gateway.ratelimit;

import io.warden.policy.LimitCharge;
import java.util.List;

/**
 * The tokens an admitted call took, for {@link RateLimiter#refund}. Opaque to callers: keep it
 * with the call and hand it back when the call never ran.
 *
 * @param partition the partition the call was acquired under
 * @param stored charges taken from the shared store (or the in-memory limiter)
 * @param local charges taken from the per-pod fallback bucket (already scaled to it)
 */
public record Reservation(String partition, List<LimitCharge> stored, List<LimitCharge> local) {

    /** Nothing was taken (denied calls, no limits, or only {@code open} fallbacks). */
    public static final Reservation NONE = new Reservation(RedisKeys.DEFAULT_PARTITION, List.of(), List.of());

    public Reservation {
        stored = List.copyOf(stored);
        local = List.copyOf(local);
    }

    /** True when refunding would give nothing back. */
    public boolean isEmpty() {
        return stored.isEmpty() && local.isEmpty();
    }
}
