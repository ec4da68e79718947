package io.warden.gateway.proxy;

import io.warden.gateway.ratelimit.LimitFlag;
import io.warden.gateway.ratelimit.LimitOutcome;
import io.warden.gateway.ratelimit.Reservation;
import io.warden.policy.LimitCharge;
import io.warden.policy.LimiterErrorMode;
import java.util.EnumSet;
import java.util.List;

/**
 * What a call's limits mean when the limiter fails outright (its answer is an exception rather than an outcome, which
 * its contract rules out, so this is a bug or a broken store client). Only {@code on_limiter_error: open} says "let the
 * call through unchecked"; {@code closed} denies, and {@code local} needs the very limiter that failed. Pure.
 */
final class LimiterFailure {

    /** How long a client refused because the limiter failed should wait. */
    static final int RETRY_AFTER_SECONDS = 2;

    private LimiterFailure() {}

    /** True when every enforcing charge is {@code open} (shadow charges never deny). */
    static boolean admitsOpen(List<LimitCharge> charges) {
        return charges.stream().allMatch(c -> c.shadow() || c.onLimiterError() == LimiterErrorMode.OPEN);
    }

    /** The outcome of a call let through by {@code open}: admitted, flagged, nothing taken so nothing to refund. */
    static LimitOutcome openOutcome() {
        return new LimitOutcome(true, 0, "", null, List.of(),
                EnumSet.of(LimitFlag.LIMITER_UNAVAILABLE, LimitFlag.LIMITER_OPEN), Reservation.NONE);
    }
}
