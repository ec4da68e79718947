package io.warden.policy;

/**
 * A call that runs only after a human approves it.
 *
 * @param rule the rule id of the approval entry that matched
 * @param reason the entry's {@code reason}, or an engine text naming the rule
 * @param timeoutMillis how long the approval may wait before the call is denied
 */
public record ApprovalRequirement(String rule, String reason, long timeoutMillis) {
}
