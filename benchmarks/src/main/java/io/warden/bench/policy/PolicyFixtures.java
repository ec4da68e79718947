package io.warden.bench.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.policy.CallContext;
import io.warden.policy.CompileResult;
import io.warden.policy.CompiledPolicy;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.Subject;
import io.warden.policy.ToolInfo;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Policies and calls shared by the policy benchmarks.
 *
 * <p>Two kinds of policy:
 * <ul>
 *   <li>{@link #realisticPolicy()}: a support and billing server with 20 tool keys (18 exact names,
 *       2 globs), {@code require}/{@code deny_if} entries on arguments (one with a regex, one with a
 *       combinator on the grant and the time), {@code all_tools} limits, per-tool limits keyed on an
 *       argument, {@code hide} globs, {@code categories} and {@code list: "callable"}.</li>
 *   <li>{@link #syntheticPolicy(int)}: the same header ({@code hide}, {@code all_tools}, globs,
 *       categories) with {@code n} generated exact tool keys. Every fourth tool carries the same
 *       rules as the realistic {@code create_refund}; the others cycle through a plain entry, a
 *       regex {@code deny_if} with a keyed limit, and a {@code require} with a combinator.</li>
 * </ul>
 *
 * <p>Every call is built once, before measuring: the gateway parses the request before it asks the
 * engine, so JSON parsing is not part of an evaluation.
 */
final class PolicyFixtures {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** A Tuesday, inside business hours (UTC), so time conditions are evaluated and pass. */
    static final Instant NOW = Instant.parse("2026-03-03T10:15:00Z");

    static final Subject SUBJECT = new Subject("g-support-7", "support-bot",
            Map.of("team", "support", "oncall", "false", "region", "eu"), "billing", "Billing API");

    /** A tool no key, glob or category rule admits: refused by {@code default: deny}. */
    static final String UNKNOWN_TOOL = "frobnicate_widget";
    /** A tool only the {@code get_*} glob matches. */
    static final String GLOB_TOOL = "get_invoice_pdf";

    private PolicyFixtures() {
    }

    // ---------------------------------------------------------------- policies

    /** The 20-tool policy, compiled; fails loudly when it does not compile. */
    static CompiledPolicy realisticPolicy() {
        return compile(realisticJson());
    }

    /** A policy with the realistic header and {@code n} generated exact tool keys. */
    static CompiledPolicy syntheticPolicy(int n) {
        return compile(syntheticJson(n, 0));
    }

    /**
     * As {@link #syntheticPolicy(int)}, with {@code extraGlobs} more glob keys that never match
     * the benchmark calls (ordered before the matching ones): to show the cost of the glob scan.
     */
    static CompiledPolicy syntheticPolicy(int n, int extraGlobs) {
        return compile(syntheticJson(n, extraGlobs));
    }

    /** The name of the generated tool {@code i} (same length for every {@code i} below 1,000,000). */
    static String syntheticToolName(int i) {
        return String.format("tool_%06d", i);
    }

    /**
     * The generated tool the synthetic benchmarks call: a tool carrying the {@code create_refund}
     * rules, near the middle of the document (index a multiple of 4, at most {@code n/2}).
     */
    static String syntheticTarget(int n) {
        return syntheticToolName((n / 2) / 4 * 4);
    }

    private static CompiledPolicy compile(String json) {
        CompileResult result = PolicyCompiler.compile(json);
        if (!result.ok()) {
            throw new IllegalStateException("benchmark policy does not compile: "
                    + result.problems().stream().map(Object::toString).collect(Collectors.joining("; ")));
        }
        return result.policy();
    }

    static String realisticJson() {
        return """
            {
              "version": "1",
              "default": "deny",
              "description": "Support and billing assistant: 20 tool keys, the benchmark's realistic policy.",
              "list": "callable",
              "on_limiter_error": "closed",
              "hide": ["admin_*", "debug_?", "drop_database"],
              "all_tools": {
                "require": [
                  { "name": "known-grant", "conditions": [ { "path": "grant.id", "op": "exists", "value": true } ] }
                ],
                "limits": [
                  { "name": "calls-per-minute", "counter": "calls_per_minute", "window": "minute", "max": 120,
                    "burst": 30, "scope": "grant" },
                  { "name": "server-calls", "counter": "server_calls", "window": "second", "max": 500, "scope": "server" }
                ]
              },
              "tools": {
                "search_customers": {
                  "deny_if": [ { "name": "secret-terms",
                    "conditions": [ { "path": "args.query", "op": "regex", "value": "(?i)\\\\b(ssn|password|passport)\\\\b" } ],
                    "on_deny": "Searching for secrets is not allowed." } ],
                  "limits": [ { "counter": "searches", "window": "minute", "max": 30, "scope": "grant" } ]
                },
                "get_customer": {
                  "require": [ { "conditions": [ { "path": "args.customer_id", "op": "regex", "value": "^cus_[A-Za-z0-9]{8,32}$" } ] } ]
                },
                "update_customer": {
                  "require": [ { "conditions": [ { "path": "args.customer_id", "op": "exists", "value": true } ] } ],
                  "deny_if": [ { "name": "protected-fields",
                    "conditions": [ { "path": "args.fields.*", "op": "in", "value": ["role", "email_verified", "kyc_status"] } ] } ]
                },
                "list_orders": {},
                "get_order": {
                  "require": [ { "conditions": [ { "path": "args.order_id", "op": "starts_with", "value": "ord_" } ] } ]
                },
                "cancel_order": {
                  "require": [ { "conditions": [ { "path": "args.reason", "op": "in",
                    "value": ["customer_request", "fraud", "out_of_stock"] } ] } ],
                  "limits": [ { "counter": "cancellations", "window": "hour", "max": 20, "scope": "grant" } ]
                },
                "create_refund": {
                  "require": [
                    { "name": "reason", "conditions": [ { "path": "args.reason", "op": "in",
                      "value": ["duplicate", "fraudulent", "requested_by_customer"] } ],
                      "on_deny": "Refunds need a reason: duplicate, fraudulent or requested_by_customer." },
                    { "name": "customer-id", "conditions": [
                      { "path": "args.customer_id", "op": "regex", "value": "^cus_[A-Za-z0-9]{8,32}$" } ] }
                  ],
                  "deny_if": [
                    { "name": "too-large", "conditions": [ { "path": "args.amount", "op": "gt", "value": 10000 } ],
                      "on_deny": "Refunds over $100 need manual processing." },
                    { "name": "off-hours", "conditions": [ { "not": { "any": [
                      { "path": "grant.tags.oncall", "op": "eq", "value": "true" },
                      { "all": [ { "path": "time.hour", "op": "gte", "value": 8 },
                                 { "path": "time.hour", "op": "lt", "value": 18 },
                                 { "path": "time.weekday", "op": "lte", "value": 5 } ] } ] } } ],
                      "on_deny": "Refunds are issued in business hours only." },
                    { "name": "currency", "conditions": [ { "path": "args.currency", "op": "not_in", "value": ["usd", "eur", "gbp"] } ] }
                  ],
                  "approval": [ { "name": "large", "conditions": [ { "path": "args.amount", "op": "gt", "value": 5000 } ],
                                  "reason": "Large refund", "timeout": "15m" } ],
                  "limits": [
                    { "name": "per-customer", "counter": "refunds_per_customer", "window": "day", "max": 3,
                      "scope": "grant", "key": "args.customer_id" },
                    { "name": "budget", "counter": "refund_budget", "window": "day", "max": 50000, "scope": "server",
                      "cost_from": "args.amount", "on_deny": "Daily refund budget spent." }
                  ]
                },
                "create_invoice": {
                  "require": [ { "conditions": [ { "path": "args.amount", "op": "gt", "value": 0 } ] } ],
                  "limits": [ { "counter": "invoices", "window": "hour", "max": 50, "scope": "grant", "key": "args.customer_id" } ]
                },
                "send_email": {
                  "deny_if": [ { "name": "outside-domain",
                    "conditions": [ { "not": { "path": "args.to", "op": "ends_with", "value": "@example.com" } } ],
                    "on_deny": "Email may only go to example.com addresses." } ],
                  "limits": [ { "counter": "emails", "window": "hour", "max": 100, "scope": "server", "key": "args.to" } ]
                },
                "send_sms": {
                  "deny_if": [ { "conditions": [], "on_deny": "SMS is disabled for this agent." } ]
                },
                "create_ticket": {
                  "require": [ { "conditions": [ { "path": "args.subject", "op": "exists", "value": true } ] } ],
                  "limits": [ { "counter": "tickets", "window": "15m", "max": 40, "scope": "grant" } ]
                },
                "update_ticket": {
                  "require": [ { "conditions": [ { "path": "args.priority", "op": "in", "value": ["low", "normal", "high"] } ] } ]
                },
                "close_ticket": {},
                "add_note": {
                  "deny_if": [ { "conditions": [ { "path": "args.body", "op": "contains", "value": "password" } ] } ]
                },
                "run_report": {
                  "deny_if": [ { "name": "writes", "conditions": [ { "path": "args.sql", "op": "regex",
                    "value": "(?i)\\\\b(insert|update|delete|drop|alter|truncate)\\\\b" } ] } ],
                  "limits": [ { "counter": "reports", "window": "hour", "max": 10, "scope": "grant" } ]
                },
                "export_data": {
                  "deny_if": [ { "name": "not-analytics", "conditions": [ { "path": "grant.tags.team", "op": "neq", "value": "analytics" } ] } ]
                },
                "get_secret": {
                  "deny_if": [ { "name": "not-security", "conditions": [ { "path": "grant.tags.team", "op": "neq", "value": "security" } ] } ]
                },
                "transfer_funds": {
                  "deny_if": [ { "conditions": [ { "path": "args.amount", "op": "gte", "value": 100000 } ] } ],
                  "approval": [ { "conditions": [], "reason": "Every transfer is approved by a person." } ]
                },
                "get_*": {
                  "limits": [ { "counter": "reads", "window": "second", "max": 20, "scope": "grant", "key": "args.customer_id" } ]
                },
                "list_*": {}
              },
              "categories": {
                "read": {},
                "destructive": { "approval": [ { "conditions": [], "reason": "Destructive tool" } ] }
              }
            }
            """;
    }

    static String syntheticJson(int n, int extraGlobs) {
        ObjectNode root;
        try {
            root = (ObjectNode) MAPPER.readTree(realisticJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode realisticTools = (ObjectNode) root.get("tools");
        JsonNode refund = realisticTools.get("create_refund");
        JsonNode reads = realisticTools.get("get_*");
        root.put("description", "Synthetic policy with " + n + " generated tools.");
        ObjectNode tools = MAPPER.createObjectNode();
        for (int g = 0; g < extraGlobs; g++) {
            // Longer literal prefix than get_*, so these are tried first; none matches a benchmark call.
            tools.set(String.format("get_zz%05d_*", g), MAPPER.createObjectNode());
        }
        for (int i = 0; i < n; i++) {
            String name = syntheticToolName(i);
            ObjectNode rules;
            switch (i % 4) {
                case 0:
                    rules = refund.deepCopy();
                    renameCounters(rules, "_" + i);
                    break;
                case 1:
                    rules = MAPPER.createObjectNode();
                    break;
                case 2:
                    rules = (ObjectNode) readTree("""
                        { "deny_if": [ { "conditions": [ { "path": "args.query", "op": "regex", "value": "(?i)secret|token" } ] } ],
                          "limits": [ { "counter": "c", "window": "minute", "max": 60, "scope": "grant", "key": "args.id" } ] }
                        """);
                    renameCounters(rules, "_" + i);
                    break;
                default:
                    rules = (ObjectNode) readTree("""
                        { "require": [ { "conditions": [ { "any": [
                            { "path": "args.mode", "op": "eq", "value": "dry_run" },
                            { "all": [ { "path": "args.limit", "op": "lte", "value": 100 },
                                       { "path": "grant.tags.region", "op": "in", "value": ["eu", "us"] } ] } ] } ] } ] }
                        """);
                    break;
            }
            tools.set(name, rules);
        }
        tools.set("get_*", reads.deepCopy());
        tools.set("list_*", MAPPER.createObjectNode());
        root.set("tools", tools);
        return root.toString();
    }

    /** Gives every limit of a tool its own counter, as separate tools of a real policy would have. */
    private static void renameCounters(ObjectNode rules, String suffix) {
        JsonNode limits = rules.get("limits");
        if (limits instanceof ArrayNode) {
            for (JsonNode l : limits) {
                ((ObjectNode) l).put("counter", l.get("counter").asText() + suffix);
            }
        }
    }

    static JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- calls

    /** Arguments of a refund that passes every require and deny_if and needs no approval. */
    static JsonNode allowedRefundArgs() {
        return readTree("""
            { "customer_id": "cus_8f3KqZ21LmX", "order_id": "ord_20260303_0042", "amount": 2500,
              "currency": "usd", "reason": "duplicate", "note": "double charge on the March invoice" }
            """);
    }

    /** Arguments of a refund refused by {@code deny_if} {@code too-large} (after both requires pass). */
    static JsonNode deniedRefundArgs() {
        return readTree("""
            { "customer_id": "cus_8f3KqZ21LmX", "order_id": "ord_20260303_0042", "amount": 20000,
              "currency": "usd", "reason": "duplicate", "note": "double charge on the March invoice" }
            """);
    }

    static JsonNode readArgs() {
        return readTree("""
            { "customer_id": "cus_8f3KqZ21LmX", "invoice_id": "in_1Q2w3E4r5T", "format": "pdf" }
            """);
    }

    /** What the gateway knows of a tool from {@code tools/list}: a plain write tool without hints. */
    static ToolInfo toolInfo(String name, String description) {
        return new ToolInfo(name, description, MAPPER.createObjectNode()
                .put("readOnlyHint", false).put("destructiveHint", false), null);
    }

    static CallContext call(String tool, String description, JsonNode args) {
        return new CallContext(SUBJECT, tool, args, toolInfo(tool, description), NOW);
    }
}
