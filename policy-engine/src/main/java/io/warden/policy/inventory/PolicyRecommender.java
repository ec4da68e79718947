package io.warden.policy.inventory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/**
 * A starting policy for a server, from its assessed tools: reads are allowed, high-risk execute tools are allowed at a
 * limited rate, destructive and financial tools need a person's approval for each call, and everything else (writes,
 * tools not seen yet) is denied by default. The result is a policy document in the language's canonical form, which
 * the policy service can save as a new version; it always compiles.
 */
public final class PolicyRecommender {

    /** Calls per minute per grant the recommendation allows an execute tool. */
    public static final int EXECUTE_CALLS_PER_MINUTE = 10;

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PolicyRecommender() {
    }

    /** What to do with one tool, with the sentence that says why. */
    public record Recommendation(String action, String why, ObjectNode rule) {}

    /**
     * The rule for one tool: {@code allow} ({@code {}}), {@code rate_limit} (a limit), {@code approval} (an unconditional
     * approval entry) or {@code deny} (no rule: the default denies it). {@code rule} is null for {@code deny}.
     */
    public static Recommendation forTool(ToolAssessment t) {
        String name = t.tool().name();
        if (name.indexOf('*') >= 0 || name.indexOf('?') >= 0) {
            // As a key of "tools" such a name would be a glob matching other tools too.
            return new Recommendation("deny", "its name contains a glob character, so no rule can name it alone: denied", null);
        }
        return switch (t.category()) {
            case READ -> new Recommendation("allow", "reads only: allowed", F.objectNode());
            case EXECUTE -> {
                ObjectNode rule = F.objectNode();
                rule.putArray("limits").addObject()
                        .put("counter", counterName(name))
                        .put("window", "minute")
                        .put("max", EXECUTE_CALLS_PER_MINUTE)
                        .put("scope", "grant");
                yield new Recommendation("rate_limit", "runs code or commands: allowed at most " + EXECUTE_CALLS_PER_MINUTE
                        + " calls per minute per grant", rule);
            }
            case DESTRUCTIVE, FINANCIAL -> {
                boolean money = t.category() == io.warden.policy.RiskCategory.FINANCIAL;
                ObjectNode entry = F.objectNode();
                entry.putArray("conditions");
                entry.put("reason", (money ? "Moves money" : "Destroys data") + ": " + name);
                ObjectNode rule = F.objectNode();
                rule.putArray("approval").add(entry);
                yield new Recommendation("approval", (money ? "can move money" : "destroys data")
                        + ": each call waits for a person's approval", rule);
            }
            case WRITE -> new Recommendation("deny", "changes state: denied until you allow it", null);
        };
    }

    /** The whole recommended policy for a server's tools. */
    public static ObjectNode forServer(Collection<ToolAssessment> tools) {
        ObjectNode policy = F.objectNode().put("version", "1").put("default", "deny");
        ObjectNode rules = F.objectNode();
        tools.stream().sorted(java.util.Comparator.comparing(t -> t.tool().name())).forEach(t -> {
            Recommendation r = forTool(t);
            if (r.rule() != null && !rules.has(t.tool().name())) {
                rules.set(t.tool().name(), r.rule());
            }
        });
        policy.set("tools", rules);
        policy.put("description", "Recommended by Warden from the tools' risk: reads allowed, execute tools rate-limited, "
                + "destructive and financial tools behind approval, everything else denied.");
        return policy;
    }

    /** A counter name for a tool: the language caps counters at 128 characters and reserves '|'. */
    static String counterName(String tool) {
        String safe = tool.replace('|', '_');
        return (safe.length() > 120 ? safe.substring(0, 120) : safe) + "_calls";
    }
}
