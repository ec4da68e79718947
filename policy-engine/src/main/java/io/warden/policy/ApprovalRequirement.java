package io.warden.policy;

/**
 * A call that runs only after a human approves it.
 *
 * @param rule the rule id of the approval entry that matched
 * @param reason the entry's {@code reason}, or an engine text naming the rule
 * @param timeoutMillis how long the approval may wait before the call is denied
 * @param approver who may approve: operators always; the agent's own user too when {@link Approver#USER}
 */
public record ApprovalRequirement(String rule, String reason, long timeoutMillis, Approver approver) {

    /** The entry's {@code approver}: {@code "operator"} (the default) or {@code "user"}. */
    public enum Approver { OPERATOR, USER }

    public ApprovalRequirement {
        approver = approver == null ? Approver.OPERATOR : approver;
    }

    /** An operator-approved requirement (the default {@code approver}). */
    public ApprovalRequirement(String rule, String reason, long timeoutMillis) {
        this(rule, reason, timeoutMillis, Approver.OPERATOR);
    }
}
