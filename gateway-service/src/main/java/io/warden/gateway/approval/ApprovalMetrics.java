package io.warden.gateway.approval;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * What this pod's approval steps came to, as counters (all registered at start, so a dashboard sees zeros rather than
 * gaps). The number of approvals waiting is policy-service's gauge; these count calls.
 */
public final class ApprovalMetrics {

    /** Calls held for an approval: answered "pending", with Warden's form, or held open. A retry counts again. */
    public static final String REQUESTED = "warden.approvals.requested";
    /** Approved calls that ran (the approval was spent for them). */
    public static final String GRANTED = "warden.approvals.granted";
    /** Calls ended by a denial: the operator's, the user's, or one that still stands. */
    public static final String DENIED = "warden.approvals.denied";
    /** Calls ended because their approval expired undecided (or approved but unused in time). */
    public static final String EXPIRED = "warden.approvals.expired";
    /** Calls refused because what they brought does not hold, by {@code cause}. */
    public static final String REFUSED = "warden.approvals.refused";

    /** Why a call was refused. */
    public enum Cause {
        /** A {@code requestState} that fails authentication (altered, or sealed under a key this deployment lacks). */
        FORGED_STATE("forged_state"),
        /** A {@code requestState} that is not Warden's format at all. */
        MALFORMED_STATE("malformed_state"),
        /** A {@code requestState} past its expiry. */
        EXPIRED_STATE("expired_state"),
        /** An approval presented a second time (a replayed state, or the same call once more). */
        REPLAY("replay"),
        /** State or approval of another grant. */
        OTHER_GRANT("other_grant"),
        /** State or approval of another call: other server, tool or arguments. */
        OTHER_ARGUMENTS("other_arguments"),
        /** The approval named no longer exists, or is in no state that lets a call through. */
        UNUSABLE("unusable");

        public final String tag;

        Cause(String tag) {
            this.tag = tag;
        }

        static Cause of(StateSeal.Refusal r) {
            return switch (r) {
                case FORGED -> FORGED_STATE;
                case MALFORMED -> MALFORMED_STATE;
                case EXPIRED -> EXPIRED_STATE;
                case OTHER_GRANT -> OTHER_GRANT;
                case OTHER_CALL -> OTHER_ARGUMENTS;
            };
        }
    }

    private final Counter requested;
    private final Counter granted;
    private final Counter denied;
    private final Counter expired;
    private final Map<Cause, Counter> refused = new EnumMap<>(Cause.class);

    public ApprovalMetrics(MeterRegistry registry) {
        requested = Counter.builder(REQUESTED).description("Calls held for a human approval").register(registry);
        granted = Counter.builder(GRANTED).description("Approved calls that ran").register(registry);
        denied = Counter.builder(DENIED).description("Calls whose approval was denied").register(registry);
        expired = Counter.builder(EXPIRED).description("Calls whose approval expired").register(registry);
        for (Cause c : Cause.values()) {
            refused.put(c, Counter.builder(REFUSED).tag("cause", c.tag)
                    .description("Calls refused at the approval step, by cause").register(registry));
        }
    }

    void requested() {
        requested.increment();
    }

    void granted() {
        granted.increment();
    }

    void denied() {
        denied.increment();
    }

    void expired() {
        expired.increment();
    }

    void refused(Cause cause) {
        refused.get(cause).increment();
    }
}
