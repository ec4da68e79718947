package io.warden.policy;

/** What a limit does when the shared limiter store cannot be reached ({@code on_limiter_error}). */
public enum LimiterErrorMode {
    /** Deny, rule {@code (limiter unavailable)}. The default. */
    CLOSED,
    /** Allow, and flag the decision. */
    OPEN,
    /** Fall back to a per-pod bucket at {@code rate / live pods}. */
    LOCAL;

    /** The policy-language spelling: {@code closed}, {@code open}, {@code local}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
