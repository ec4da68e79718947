package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated policy in its evaluation form. Immutable and thread-safe: share one instance
 * between all requests. Evaluation does no I/O, compiles nothing and never throws.
 */
public final class CompiledPolicy {
    /** Methods that are always allowed, whatever {@code methods} says. */
    static final Set<String> LIFECYCLE = Set.of("initialize", "ping", "server/discover");

    private final JsonNode source;
    private final boolean defaultAllow;
    private final boolean shadow;
    private final boolean listCallable;
    private final LimiterErrorMode onLimiterError;
    /**
     * Every name of the policy (exact tool keys and exact hide entries) with what step 2 and 3
     * decide for it, resolved at compile time: one hash lookup answers for a named tool.
     */
    private final HashMap<String, Named> named;
    private final GlobIndex hideGlobs;
    /** Glob keys, indexed; {@code globRules} is in the index's order (best first). */
    private final GlobIndex globs;
    private final RuleSet[] globRules;
    private final EnumMap<RiskCategory, RuleSet> categoryRules;
    /** The all_tools entries alone: what applies under {@code default: allow} when no rule matches. */
    private final RuleSet allToolsOnly;
    private final Map<String, Boolean> methods;

    CompiledPolicy(JsonNode source, boolean defaultAllow, boolean shadow, boolean listCallable,
                   LimiterErrorMode onLimiterError, Set<String> hideExact, Glob[] hideGlobs,
                   Map<String, RuleSet> exact, Glob[] globs, RuleSet[] globRules,
                   EnumMap<RiskCategory, RuleSet> categoryRules, RuleSet allToolsOnly, Map<String, Boolean> methods) {
        this.source = source;
        this.defaultAllow = defaultAllow;
        this.shadow = shadow;
        this.listCallable = listCallable;
        this.onLimiterError = onLimiterError;
        this.hideGlobs = new GlobIndex(hideGlobs);
        this.globs = new GlobIndex(globs);
        this.globRules = globRules.clone();
        HashMap<String, Named> byName = new HashMap<>();
        for (String name : hideExact) {
            byName.put(name, new Named(name, true, null));
        }
        for (Map.Entry<String, RuleSet> e : exact.entrySet()) {
            String name = e.getKey();
            boolean hidden = hideExact.contains(name) || this.hideGlobs.matchesAny(name);
            byName.put(name, new Named(name, hidden, e.getValue()));
        }
        // A HashMap, not Map.copyOf: the immutable map probes linearly without spreading the hash,
        // and generated names (tool_000001, tool_000002, ...) form long runs that a miss walks.
        // Never modified after construction; the final field publishes it safely.
        this.named = byName;
        this.categoryRules = categoryRules;
        this.allToolsOnly = allToolsOnly;
        this.methods = methods;
    }

    /** The original document (a private copy; do not modify it). */
    public JsonNode source() {
        return source;
    }

    /** True when the policy has {@code mode: "shadow"}: it is evaluated and audited, never blocks. */
    public boolean shadow() {
        return shadow;
    }

    /** The policy's {@code on_limiter_error} (default {@link LimiterErrorMode#CLOSED}). */
    public LimiterErrorMode onLimiterError() {
        return onLimiterError;
    }

    /** True under {@code list: "callable"}. */
    public boolean listCallable() {
        return listCallable;
    }

    /**
     * True when {@code hide} names the tool. A shadow policy hides nothing (it never blocks);
     * see {@link #hides(String)} for the raw answer.
     */
    public boolean isHidden(String toolName) {
        return !shadow && hides(toolName);
    }

    /** True when {@code hide} names the tool, whatever the policy's mode. */
    public boolean hides(String toolName) {
        if (toolName == null) {
            return false;
        }
        Named n = named.get(toolName);
        return n != null ? n.hidden : hideGlobs.matchesAny(toolName);
    }

    /**
     * The {@code tools/list} filter: false when the tool is hidden, or, under
     * {@code list: "callable"}, when this subject can never call it (no rule admits it under
     * {@code default: deny}, or an enforced {@code require}/{@code deny_if} entry that depends only
     * on the grant, server and tool denies it).
     */
    public boolean isListed(ToolInfo tool, Subject subject) {
        if (tool == null || tool.name() == null) {
            return false;
        }
        if (isHidden(tool.name())) {
            return false;
        }
        if (!listCallable || shadow) {
            return true;
        }
        Path.Eval ctx = new Path.Eval(subject, tool.name(), null, tool, null);
        RuleSet rules = pick(ctx);
        return rules != null && !rules.neverCallable(ctx);
    }

    /**
     * Decides a {@code tools/call} (steps 2 to 7 of the documented order). Never throws; an
     * unexpected failure denies.
     */
    public Decision evaluateCall(CallContext call) {
        if (call == null) {
            return deny("", "No call to evaluate.");
        }
        try {
            Path.Eval ctx = new Path.Eval(call.subject(), call.toolName(), call.arguments(), call.tool(), call.now());
            Decision d = decide(ctx);
            return shadow ? shadowed(d) : d;
        } catch (RuntimeException | StackOverflowError e) {
            return deny("", "The policy engine could not evaluate this call.");
        }
    }

    private Decision decide(Path.Eval ctx) {
        if (ctx.toolName == null) {
            return new Decision(Outcome.HIDDEN, Decision.HIDDEN_RULE, "Unknown tool: null", null, null, null);
        }
        RuleSet rules;
        Named n = named.get(ctx.toolName);
        if (n != null) {
            if (n.hidden) {
                return n.hiddenDecision;
            }
            rules = n.rules;
        } else {
            if (hideGlobs.matchesAny(ctx.toolName)) {
                return new Decision(Outcome.HIDDEN, Decision.HIDDEN_RULE, "Unknown tool: " + ctx.toolName, null,
                        null, null);
            }
            rules = pickUnnamed(ctx);
            if (rules == null) {
                return deny(Decision.DEFAULT_DENY, "Tool \"" + ctx.toolName + "\" is not allowed by this policy.");
            }
        }
        List<ShadowFinding> findings = null;
        for (Entry e : rules.require) {
            byte r = e.eval(ctx);
            if (r != Values.TRUE) {
                Decision d = deny(e.rule, e.denyMessage(ctx, r));
                if (!e.shadow) {
                    return withFindings(d, findings);
                }
                findings = add(findings, d);
            }
        }
        for (Entry e : rules.denyIf) {
            byte r = e.eval(ctx);
            if (r != Values.FALSE) {
                Decision d = deny(e.rule, e.denyMessage(ctx, r));
                if (!e.shadow) {
                    return withFindings(d, findings);
                }
                findings = add(findings, d);
            }
        }
        ApprovalRequirement approval = null;
        for (Entry e : rules.approval) {
            byte r = e.eval(ctx);
            if (r == Values.INDETERMINATE) {
                Decision d = deny(e.rule, e.denyMessage(ctx, r));
                if (!e.shadow) {
                    return withFindings(d, findings);
                }
                findings = add(findings, d);
            } else if (r == Values.TRUE) {
                if (!e.shadow) {
                    approval = e.approvalRequirement();
                    break;
                }
                findings = add(findings, new Decision(Outcome.APPROVAL_REQUIRED, e.rule, e.approvalReason(), null,
                        e.approvalRequirement(), null));
            }
        }
        if (approval == null && findings == null && rules.constantAllow != null) {
            return rules.constantAllow;
        }
        List<LimitCharge> charges = List.of();
        if (rules.limits.length > 0) {
            LimitCharge[] resolved = new LimitCharge[rules.limits.length];
            for (int i = 0; i < resolved.length; i++) {
                LimitSpec spec = rules.limits[i];
                long cost = spec.cost(ctx);
                if (cost < 0 || cost > spec.burst) {
                    Decision d = deny(spec.rule, cost < 0 ? spec.costMessage() : spec.tooCostlyMessage());
                    if (!spec.shadow) {
                        return withFindings(d, findings);
                    }
                    findings = add(findings, d);
                    cost = 0;
                }
                resolved[i] = spec.charge(ctx, cost, false, onLimiterError);
            }
            charges = merge(resolved);
        }
        if (approval != null) {
            return new Decision(Outcome.APPROVAL_REQUIRED, approval.rule(), approval.reason(), charges, approval,
                    findings);
        }
        return new Decision(Outcome.ALLOW, "", "", charges, null, findings);
    }

    /**
     * Charges on the same bucket key (and the same shadow flag) are taken once, with their costs
     * added. A shadow and an enforced limit on one key stay two charges.
     */
    private static List<LimitCharge> merge(LimitCharge[] charges) {
        int n = 0;
        outer:
        for (LimitCharge c : charges) {
            for (int i = 0; i < n; i++) {
                LimitCharge o = charges[i];
                if (o.shadow() == c.shadow() && o.key().equals(c.key())) {
                    long sum = o.cost() + c.cost() < 0 ? Long.MAX_VALUE : o.cost() + c.cost();
                    charges[i] = new LimitCharge(o.bucketId(), o.key(), o.rule(), o.counter(), o.scope(), o.capacity(),
                            o.refillTokens(), o.windowMillis(), sum, o.onDeny() != null ? o.onDeny() : c.onDeny(),
                            o.shadow(), o.onLimiterError());
                    continue outer;
                }
            }
            charges[n++] = c;
        }
        // An immutable list: the Decision constructor keeps it as it is instead of copying it again.
        return List.of(n == charges.length ? charges : Arrays.copyOf(charges, n));
    }

    /** A shadow policy: whatever would block is recorded as a finding, and the call is allowed. */
    private Decision shadowed(Decision d) {
        List<LimitCharge> limits = new ArrayList<>(d.limits().size());
        for (LimitCharge c : d.limits()) {
            limits.add(c.shadow() ? c : new LimitCharge(c.bucketId(), c.key(), c.rule(), c.counter(), c.scope(),
                    c.capacity(), c.refillTokens(), c.windowMillis(), c.cost(), c.onDeny(), true, c.onLimiterError()));
        }
        List<ShadowFinding> findings = new ArrayList<>(d.shadow());
        if (d.outcome() != Outcome.ALLOW) {
            findings.add(new ShadowFinding(d.rule(), d.outcome(), d.message()));
        }
        return new Decision(Outcome.ALLOW, "", "", limits, null, findings);
    }

    /**
     * Decides a non-tool method through {@code methods}. Lifecycle methods and notifications are
     * always allowed; so are unlisted methods. {@code tools/call} must go through
     * {@link #evaluateCall}; here it is allowed.
     */
    public Decision evaluateMethod(String method, Subject subject) {
        if (method == null) {
            return deny("", "No method to evaluate.");
        }
        if (LIFECYCLE.contains(method) || method.startsWith("notifications/")) {
            return ALLOW_METHOD;
        }
        Boolean allowed = methods.get(method);
        if (allowed == null) {
            return ALLOW_METHOD;
        }
        String rule = "/methods/" + Texts.escape(method);
        if (allowed) {
            return new Decision(Outcome.ALLOW, rule, "", null, null, null);
        }
        Decision d = deny(rule, "Method " + method + " is not allowed by this policy.");
        return shadow ? shadowed(d) : d;
    }

    private static final Decision ALLOW_METHOD = new Decision(Outcome.ALLOW, "", "", null, null, null);

    /** Step 3: exact key, best glob, category rule, else default (null when default-denied). */
    private RuleSet pick(Path.Eval ctx) {
        Named n = named.get(ctx.toolName);
        if (n != null && n.rules != null) {
            return n.rules;
        }
        return pickUnnamed(ctx);
    }

    /** Step 3 for a tool without an exact key: best glob, category rule, else default. */
    private RuleSet pickUnnamed(Path.Eval ctx) {
        int g = globs.find(ctx.toolName);
        if (g >= 0) {
            return globRules[g];
        }
        if (!categoryRules.isEmpty()) {
            RuleSet byCategory = categoryRules.get(ctx.category());
            if (byCategory != null) {
                return byCategory;
            }
        }
        return defaultAllow ? allToolsOnly : null;
    }

    /** What steps 2 and 3 decide for a name the policy spells out. */
    private static final class Named {
        final boolean hidden;
        /** The exact key's rules, or {@code null} for a name only {@code hide} lists. */
        final RuleSet rules;
        final Decision hiddenDecision;

        Named(String name, boolean hidden, RuleSet rules) {
            this.hidden = hidden;
            this.rules = rules;
            this.hiddenDecision = hidden ? new Decision(Outcome.HIDDEN, Decision.HIDDEN_RULE, "Unknown tool: " + name,
                    null, null, null) : null;
        }
    }

    private static Decision deny(String rule, String message) {
        return new Decision(Outcome.DENY, rule, message, null, null, null);
    }

    private static List<ShadowFinding> add(List<ShadowFinding> findings, Decision d) {
        List<ShadowFinding> out = findings == null ? new ArrayList<>(2) : findings;
        out.add(new ShadowFinding(d.rule(), d.outcome(), d.message()));
        return out;
    }

    private static Decision withFindings(Decision d, List<ShadowFinding> findings) {
        return findings == null ? d : new Decision(d.outcome(), d.rule(), d.message(), d.limits(), d.approval(),
                findings);
    }
}
