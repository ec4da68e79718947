package io.warden.gateway.ratelimit;

import java.util.Locale;

/** Flags a limiter decision carries into the decision log and {@code _meta}. */
public enum LimitFlag {
    /** The shared store failed or missed its deadline; some charges were decided by {@code on_limiter_error}. */
    LIMITER_UNAVAILABLE,
    /** At least one charge was admitted without a check because its mode is {@code open}. */
    LIMITER_OPEN,
    /** At least one charge was decided by the per-pod fallback bucket (mode {@code local}). */
    LIMITER_LOCAL,
    /** A shadow charge lacked tokens: the call would have been denied. */
    SHADOW_WOULD_DENY,
    /** An enforcing charge costs more than its bucket's capacity: the call can never pass. */
    NEVER_SATISFIABLE;

    /** Snake-case name for JSON: {@code limiter_unavailable}, {@code limiter_open}, ... */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
