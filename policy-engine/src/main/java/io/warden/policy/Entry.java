package io.warden.policy;

/** One compiled {@code require}, {@code deny_if} or {@code approval} entry. */
final class Entry {

    enum Kind { REQUIRE, DENY_IF, APPROVAL }

    final Kind kind;
    /** The rule id: {@code /tools/x/deny_if/0} or {@code /tools/x/deny_if/<name>}. */
    final String rule;
    final Condition[] conditions;
    /** The entry's {@code on_deny}, or {@code null}. */
    final String onDeny;
    final boolean shadow;
    /** For approval entries. */
    final String reason;
    final long timeoutMillis;
    /** For approval entries: who may approve (operators always may). */
    final ApprovalRequirement.Approver approver;
    /** True when every condition depends only on the subject and the tool. */
    final boolean isStatic;

    Entry(Kind kind, String rule, Condition[] conditions, String onDeny, boolean shadow, String reason,
          long timeoutMillis, ApprovalRequirement.Approver approver) {
        this.kind = kind;
        this.rule = rule;
        this.conditions = conditions;
        this.onDeny = onDeny;
        this.shadow = shadow;
        this.reason = reason;
        this.timeoutMillis = timeoutMillis;
        this.approver = approver;
        this.isStatic = Condition.allStatic(conditions);
    }

    byte eval(Path.Eval ctx) {
        return Condition.all(conditions, ctx);
    }

    /** The message for an entry that denied the call with result {@code r}. */
    String denyMessage(Path.Eval ctx, byte r) {
        if (r == Values.INDETERMINATE) {
            String why = Condition.firstExplanation(conditions, ctx);
            return "Denied by rule " + rule + ": " + (why != null ? why : "a value has a type the rule cannot judge")
                    + ".";
        }
        if (onDeny != null) {
            return onDeny;
        }
        if (kind == Kind.REQUIRE) {
            for (Condition c : conditions) {
                if (c.eval(ctx) != Values.TRUE) {
                    return "Denied by rule " + rule + ": requires that " + c.describe() + ".";
                }
            }
            return "Denied by rule " + rule + ".";
        }
        if (conditions.length == 0) {
            return "Denied by rule " + rule + ".";
        }
        return "Denied by rule " + rule + ": " + Condition.join(conditions) + ".";
    }

    ApprovalRequirement approvalRequirement() {
        return new ApprovalRequirement(rule, approvalReason(), timeoutMillis, approver);
    }

    String approvalReason() {
        return reason != null ? reason : "Approval required by rule " + rule + ".";
    }
}
