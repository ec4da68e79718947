package io.warden.policyservice.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.CallContext;
import io.warden.policy.CompiledPolicy;
import io.warden.policy.Decision;
import io.warden.policy.LimitCharge;
import io.warden.policy.Subject;
import io.warden.policy.ToolInfo;
import io.warden.policyservice.grants.GrantView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays recorded decisions through a draft policy with the engine, oldest first. Plain Java, no I/O.
 *
 * <p>What a record cannot tell is never guessed: argument values are not stored, so a call whose rules read
 * {@code args.*} (a condition, a limit's {@code key} or {@code cost_from}) is {@code cannot_tell}, unless the tool is
 * hidden or default-denied, which no argument changes. Sessions are not stored either, so a call a per-session limit
 * would refuse is {@code cannot_tell}. Limits are replayed as the engine defines them (token buckets starting full at
 * the first call of the range, charged only by allowed calls).
 */
final class ShadowEvaluator {
    static final String ALLOWED = "allowed";
    static final String DENIED = "denied";
    static final String RATE_LIMITED = "rate_limited";
    static final String HIDDEN = "hidden";
    static final String APPROVAL = "approval_required";
    static final String CANNOT_TELL = "cannot_tell";
    static final int EXAMPLES = 5;

    private final CompiledPolicy policy;
    private final JsonNode document;
    private final String serverId;
    private final String serverName;
    private final Map<String, GrantView> grants;
    private final Map<String, ToolInfo> tools;
    private final Map<String, Boolean> readsArguments = new HashMap<>();
    private final Map<String, Bucket> buckets = new HashMap<>();

    ShadowEvaluator(CompiledPolicy policy, JsonNode document, String serverId, String serverName,
                    Map<String, GrantView> grants, Map<String, ToolInfo> tools) {
        this.policy = policy;
        this.document = document;
        this.serverId = serverId;
        this.serverName = serverName;
        this.grants = grants;
        this.tools = tools;
    }

    /**
     * The class a recorded decision falls in, or null for those no policy decided (a refused token, a gateway fault).
     * A call that ran after an approval is stored with its completion's outcome ({@code allowed}, {@code
     * upstream_error}) and the approval rule that held it: it needed a person.
     */
    static String recordedClass(String outcome, String rule) {
        boolean approvalRule = rule != null && rule.startsWith("/") && rule.contains("/approval/");
        return switch (outcome) {
            case "allowed", "upstream_error" -> approvalRule ? APPROVAL : ALLOWED;
            case "denied" -> DENIED;
            case "rate_limited" -> RATE_LIMITED;
            case "hidden" -> HIDDEN;
            case "approval_required", "approval_granted", "approval_denied", "approval_expired" -> APPROVAL;
            default -> null;
        };
    }

    /** Counts and examples of a replay; {@code chronological} is oldest first. */
    Tally replay(List<Recorded> chronological) {
        Tally tally = new Tally();
        for (Recorded r : chronological) {
            String before = recordedClass(r.outcome(), r.rule());
            if (before == null) {
                tally.skipped++;
                continue;
            }
            tally.add(r, before, evaluate(r));
        }
        return tally;
    }

    /** The draft's answer for one recorded request. */
    Verdict evaluate(Recorded r) {
        Subject subject = subject(r);
        if (!"tools/call".equals(r.method())) {
            Decision d = policy.evaluateMethod(r.method(), subject);
            return new Verdict(d.allowed() ? ALLOWED : DENIED, d.rule(), d.message(), null);
        }
        if (r.tool() == null) {
            return new Verdict(CANNOT_TELL, "", "", "the record names no tool");
        }
        ToolInfo tool = tools.getOrDefault(r.tool(), ToolInfo.named(r.tool()));
        Decision d = policy.evaluateCall(new CallContext(subject, r.tool(), null, tool, r.time()));
        switch (d.outcome()) {
            case HIDDEN:
                return new Verdict(HIDDEN, d.rule(), d.message(), null);
            case DENY:
                if (Decision.DEFAULT_DENY.equals(d.rule())) {
                    return new Verdict(DENIED, d.rule(), d.message(), null);
                }
                break;
            default:
                break;
        }
        if (readsArguments(r.tool(), tool)) {
            return new Verdict(CANNOT_TELL, d.rule(), d.message(),
                    "the rules for " + r.tool() + " read argument values, which the audit record does not keep");
        }
        return switch (d.outcome()) {
            case DENY -> new Verdict(DENIED, d.rule(), d.message(), null);
            case APPROVAL_REQUIRED -> new Verdict(APPROVAL, d.rule(), d.message(), null);
            default -> charge(r, d);
        };
    }

    private Verdict charge(Recorded r, Decision d) {
        List<LimitCharge> enforced = d.limits().stream().filter(c -> !c.shadow()).toList();
        long now = r.time().toEpochMilli();
        LimitCharge empty = null;
        for (LimitCharge c : enforced) {
            if (bucket(c).available(c, now) < c.cost()) {
                empty = c;
                break;
            }
        }
        if (empty == null) {
            for (LimitCharge c : enforced) {
                bucket(c).take(c.cost());
            }
            return new Verdict(ALLOWED, d.rule(), d.message(), null);
        }
        if ("session".equals(empty.scope())) {
            return new Verdict(CANNOT_TELL, empty.rule(), "", "a per-session limit: the audit record keeps no session,"
                    + " so every call of the grant would share one bucket");
        }
        return new Verdict(RATE_LIMITED, empty.rule(), "Rate limit " + empty.counter() + " exceeded.", null);
    }

    private Bucket bucket(LimitCharge c) {
        return buckets.computeIfAbsent(c.key(), k -> new Bucket());
    }

    private Subject subject(Recorded r) {
        GrantView g = r.grant() == null ? null : grants.get(r.grant());
        return g == null ? new Subject(r.grant(), r.grantLabel(), Map.of(), serverId, serverName)
                : new Subject(g.id(), g.label(), g.tags(), serverId, serverName);
    }

    /**
     * True when a rule that may apply to the tool reads argument values: {@code all_tools}, the tool's exact key, or
     * (without one) every glob key matching it and its category's rule. Generous on purpose: a rule that might apply
     * and reads arguments makes the replay say it cannot tell.
     */
    private boolean readsArguments(String name, ToolInfo tool) {
        return readsArguments.computeIfAbsent(name, n -> {
            List<JsonNode> rules = new ArrayList<>();
            rules.add(document.path("all_tools"));
            JsonNode keys = document.path("tools");
            if (keys.has(n)) {
                rules.add(keys.get(n));
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if ((e.getKey().contains("*") || e.getKey().contains("?")) && globMatches(e.getKey(), n)) {
                        rules.add(e.getValue());
                    }
                }
                rules.add(document.path("categories").path(tool.category().jsonName()));
            }
            return rules.stream().anyMatch(ShadowEvaluator::mentionsArguments);
        });
    }

    /**
     * {@code *} and {@code ?} glob match without a regex: a policy's glob such as {@code a*a*a*b} must not cost
     * exponential time on a long name. Greedy, backtracking only to the last star: O(pattern × name).
     */
    static boolean globMatches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /** Any {@code path}, {@code key} or {@code cost_from} below {@code node} that starts at {@code args}. */
    static boolean mentionsArguments(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                boolean pathField = e.getKey().equals("path") || e.getKey().equals("key") || e.getKey().equals("cost_from");
                if (pathField && startsAtArgs(e.getValue()) || mentionsArguments(e.getValue())) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                if (mentionsArguments(child)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsAtArgs(JsonNode value) {
        if (value.isArray()) {
            for (JsonNode v : value) {
                if (startsAtArgs(v)) {
                    return true;
                }
            }
            return false;
        }
        String s = value.asText("");
        return s.equals("args") || s.startsWith("args.") || s.startsWith("args[");
    }

    /** What the draft decides: a class, the rule and message, and why when it cannot tell. */
    record Verdict(String outcome, String rule, String message, String reason) {}

    /** A token bucket as the limiter keeps it, on the record's clock: starts full, refills continuously. */
    private static final class Bucket {
        double tokens = Double.NaN;
        long at;

        double available(LimitCharge c, long now) {
            if (Double.isNaN(tokens)) {
                tokens = c.capacity();
            } else if (now > at) {
                tokens = Math.min(c.capacity(), tokens + (double) (now - at) * c.refillTokens() / c.windowMillis());
            }
            at = Math.max(at, now);
            return tokens;
        }

        void take(long cost) {
            tokens -= cost;
        }
    }

    /** Counts by class and by change, with a few examples of each. */
    static final class Tally {
        int skipped;
        int evaluated;
        int unchanged;
        int changed;
        int cannotTell;
        final Map<String, Integer> before = classes(false);
        final Map<String, Integer> after = classes(true);
        final Map<String, List<ShadowReport.Example>> changes = new LinkedHashMap<>();
        final Map<String, Integer> changeCounts = new LinkedHashMap<>();
        final List<ShadowReport.Example> cannotTellExamples = new ArrayList<>();

        private static Map<String, Integer> classes(boolean withCannotTell) {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (String c : List.of(ALLOWED, DENIED, RATE_LIMITED, HIDDEN, APPROVAL)) {
                m.put(c, 0);
            }
            if (withCannotTell) {
                m.put(CANNOT_TELL, 0);
            }
            return m;
        }

        void add(Recorded r, String before, Verdict v) {
            evaluated++;
            this.before.merge(before, 1, Integer::sum);
            after.merge(v.outcome(), 1, Integer::sum);
            ShadowReport.Example example = new ShadowReport.Example(r.id(), r.time(), r.grant(), r.method(), r.tool(),
                    r.outcome(), r.rule(), v.outcome(), v.rule(), v.message(), v.reason());
            if (CANNOT_TELL.equals(v.outcome())) {
                cannotTell++;
                if (cannotTellExamples.size() < EXAMPLES) {
                    cannotTellExamples.add(example);
                }
            } else if (before.equals(v.outcome())) {
                unchanged++;
            } else {
                changed++;
                String pair = before + "\u0000" + v.outcome();
                changeCounts.merge(pair, 1, Integer::sum);
                List<ShadowReport.Example> examples = changes.computeIfAbsent(pair, k -> new ArrayList<>());
                // The newest examples are the most telling: replace the oldest once full.
                if (examples.size() == EXAMPLES) {
                    examples.remove(0);
                }
                examples.add(example);
            }
        }

        List<ShadowReport.Change> changeList() {
            List<ShadowReport.Change> list = new ArrayList<>();
            changeCounts.forEach((pair, n) -> {
                String[] p = pair.split("\u0000");
                List<ShadowReport.Example> ex = new ArrayList<>(changes.get(pair));
                java.util.Collections.reverse(ex); // newest first, as the audit history reads
                list.add(new ShadowReport.Change(p[0], p[1], n, ex));
            });
            list.sort((a, b) -> Integer.compare(b.count(), a.count()));
            return list;
        }
    }
}
