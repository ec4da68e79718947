package io.warden.policy;

import java.util.List;

/**
 * The engine's answer for one request, explaining itself.
 *
 * @param outcome what to do
 * @param rule the rule id that decided: a JSON pointer into the policy, one of the literals
 *     {@code (no policy)}, {@code (hidden)}, {@code (default deny)}, or {@code ""} when the call
 *     is allowed with no rule firing
 * @param message the text for the agent: the entry's {@code on_deny}, else an engine message;
 *     {@code ""} when allowed
 * @param limits the buckets to charge when the outcome is {@link Outcome#ALLOW} or
 *     {@link Outcome#APPROVAL_REQUIRED}; empty otherwise
 * @param approval the approval to obtain, non-null exactly when {@link Outcome#APPROVAL_REQUIRED}
 * @param shadow "would deny" findings of shadow entries, limits or a shadow policy
 */
public record Decision(Outcome outcome, String rule, String message, List<LimitCharge> limits,
                       ApprovalRequirement approval, List<ShadowFinding> shadow) {

    /** The rule id of a decision taken without any policy. */
    public static final String NO_POLICY = "(no policy)";
    /** The rule id of a call to a hidden tool. */
    public static final String HIDDEN_RULE = "(hidden)";
    /** The rule id of a call that no tool rule matched under {@code default: deny}. */
    public static final String DEFAULT_DENY = "(default deny)";
    /** The rule id of a call denied because the limiter store was unreachable. */
    public static final String LIMITER_UNAVAILABLE = "(limiter unavailable)";

    private static final Decision NO_POLICY_DECISION = new Decision(Outcome.DENY, NO_POLICY,
            "No policy is attached to this grant.", List.of(), null, List.of());

    public Decision {
        limits = limits == null ? List.of() : List.copyOf(limits);
        shadow = shadow == null ? List.of() : List.copyOf(shadow);
        rule = rule == null ? "" : rule;
        message = message == null ? "" : message;
    }

    /** The decision for a grant that has no policy attached: deny, rule {@code (no policy)}. */
    public static Decision noPolicy() {
        return NO_POLICY_DECISION;
    }

    /** True when the outcome is {@link Outcome#ALLOW}. */
    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }
}
