package io.warden.policy;

/**
 * Something a shadow entry, shadow limit or shadow policy would have done had it been enforced.
 *
 * @param rule the rule id that would have fired
 * @param wouldBe the outcome it would have produced ({@link Outcome#DENY}, {@link Outcome#HIDDEN}
 *     or {@link Outcome#APPROVAL_REQUIRED})
 * @param message the message the agent would have received
 */
public record ShadowFinding(String rule, Outcome wouldBe, String message) {
}
