package io.warden.bench.policy;

import io.warden.policy.CallContext;
import io.warden.policy.CompiledPolicy;
import io.warden.policy.Decision;
import io.warden.policy.LimitCharge;
import io.warden.policy.Outcome;
import io.warden.policy.ToolInfo;
import java.util.List;

/**
 * The five requests every policy benchmark decides, built once per trial, and checked against the
 * policy before measuring so that a benchmark can never time the wrong path (a typo in a fixture
 * that turns the allowed call into a denial, say).
 */
final class PolicyCalls {
    /** A refund that passes 3 requires (all_tools + 2) and 3 deny_if entries, then yields 4 charges. */
    final CallContext allowed;
    /** The same refund over the limit: refused by {@code deny_if} {@code too-large}. */
    final CallContext denied;
    /** A tool nothing admits: {@code (default deny)} after the hide, exact, glob and category steps. */
    final CallContext unknown;
    /** A tool only the {@code get_*} glob admits, with a limit keyed on an argument. */
    final CallContext glob;
    /** The refund tool as {@code tools/list} shows it, for {@code isListed} under {@code list: "callable"}. */
    final ToolInfo listed;

    PolicyCalls(String refundTool) {
        allowed = PolicyFixtures.call(refundTool, "Issue a refund for an order.", PolicyFixtures.allowedRefundArgs());
        denied = PolicyFixtures.call(refundTool, "Issue a refund for an order.", PolicyFixtures.deniedRefundArgs());
        unknown = PolicyFixtures.call(PolicyFixtures.UNKNOWN_TOOL, "Frobnicates a widget.",
                PolicyFixtures.readArgs());
        glob = PolicyFixtures.call(PolicyFixtures.GLOB_TOOL, "Fetch an invoice as a PDF.", PolicyFixtures.readArgs());
        listed = PolicyFixtures.toolInfo(refundTool, "Issue a refund for an order.");
    }

    /** Throws when a request does not take the path its benchmark claims to measure. */
    void verify(CompiledPolicy policy) {
        String tool = allowed.toolName();
        Decision a = policy.evaluateCall(allowed);
        expect(a.outcome() == Outcome.ALLOW && a.limits().size() == 4 && a.approval() == null
                && a.shadow().isEmpty(), "allowed call", a);
        expect(a.limits().stream().anyMatch(c -> c.key().endsWith("|\"cus_8f3KqZ21LmX\""))
                && a.limits().stream().anyMatch(c -> c.counter().startsWith("refund_budget") && c.cost() == 2500),
                "allowed call charges", a);

        Decision d = policy.evaluateCall(denied);
        expect(d.outcome() == Outcome.DENY && d.rule().equals("/tools/" + tool + "/deny_if/too-large"),
                "denied call", d);

        Decision u = policy.evaluateCall(unknown);
        expect(u.outcome() == Outcome.DENY && u.rule().equals(Decision.DEFAULT_DENY), "unknown tool", u);

        Decision g = policy.evaluateCall(glob);
        List<LimitCharge> charges = g.limits();
        expect(g.outcome() == Outcome.ALLOW && charges.size() == 3
                && charges.stream().anyMatch(c -> c.counter().equals("reads")), "glob-matched call", g);

        expect(policy.listCallable() && policy.isListed(listed, allowed.subject()), "isListed", null);
        expect(!policy.isListed(PolicyFixtures.toolInfo(PolicyFixtures.UNKNOWN_TOOL, "Frobnicates a widget."),
                allowed.subject()), "isListed of a default-denied tool", null);
    }

    private static void expect(boolean ok, String what, Decision d) {
        if (!ok) {
            throw new IllegalStateException("benchmark fixture broken: " + what + " decided " + d);
        }
    }
}
