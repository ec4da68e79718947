package io.warden.gateway.ratelimit;

import io.warden.policy.LimitCharge;

/**
 * What one charge found in its bucket.
 *
 * @param charge the charge as the policy engine produced it
 * @param allowed the bucket held enough tokens (for {@link Source#OPEN} always true, for
 *     {@link Source#UNAVAILABLE} always false)
 * @param tokensLeft whole tokens left: after the charge when the call was admitted, before it
 *     (untouched) otherwise; -1 when unknown ({@link Source#OPEN}, {@link Source#UNAVAILABLE})
 * @param waitMillis 0 when allowed; else the time until the bucket holds the cost, rounded up
 *     to a millisecond; {@link Long#MAX_VALUE} when it never will (cost above capacity)
 * @param source who decided
 */
public record BucketOutcome(LimitCharge charge, boolean allowed, long tokensLeft, long waitMillis, Source source) {

    /** Who decided a charge. */
    public enum Source {
        /** The shared store (Redis), or the in-memory limiter in standalone mode. */
        STORE,
        /** The per-pod fallback bucket (store down, mode {@code local}). */
        LOCAL,
        /** Admitted unchecked (store down, mode {@code open}). */
        OPEN,
        /** Denied unchecked (store down, mode {@code closed}). */
        UNAVAILABLE
    }

    /** True for a shadow charge that lacked tokens: recorded as "would deny", never blocks. */
    public boolean wouldDeny() {
        return charge.shadow() && !allowed;
    }
}
