package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a policy document and builds its compiled form in one pass. Every problem is
 * collected; the compiled form is used only when there are none.
 */
final class Parser {
    static final List<String> TOP_FIELDS = List.of("version", "default", "hide", "all_tools", "tools", "categories",
            "methods", "list", "on_limiter_error", "mode", "description", "$schema");
    static final List<String> RULE_FIELDS = List.of("require", "deny_if", "approval", "limits", "action", "reason",
            "rate_limit");
    /** PolicyLayer's tool actions: the short form of a listed tool, an unconditional deny, an unconditional approval. */
    static final List<String> ACTIONS = List.of("allow", "deny", "require_approval");
    /** A {@code rate_limit} block: a limit whose counter and scope may be left out. */
    static final List<String> RATE_LIMIT_FIELDS = List.of("max", "window", "scope", "counter", "key", "burst", "cost",
            "cost_from", "on_deny", "mode");
    static final List<String> SCOPES = List.of("grant", "server", "global", "session");
    static final List<String> ENTRY_FIELDS = List.of("conditions", "on_deny", "name", "mode");
    static final List<String> APPROVAL_FIELDS = List.of("conditions", "reason", "timeout", "name", "mode", "approver");
    static final List<String> CONDITION_FIELDS = List.of("path", "op", "value", "any", "all", "not");
    static final List<String> LIMIT_FIELDS = List.of("counter", "window", "max", "scope", "key", "burst", "cost",
            "cost_from", "on_deny", "name", "mode");
    static final List<String> CATEGORIES = List.of("read", "write", "execute", "destructive", "financial");
    /** Non-tool methods a policy may allow or deny. */
    static final List<String> METHODS = List.of("resources/list", "resources/templates/list", "resources/read",
            "resources/subscribe", "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete",
            "logging/setLevel", "tasks/get", "tasks/list", "tasks/result", "tasks/cancel");

    static final int MAX_CONDITION_DEPTH = 16;
    static final int MAX_VALUE_DEPTH = 32;
    static final long MAX_COUNT = 1_000_000_000L;
    static final long MIN_WINDOW_MS = 1_000L;
    static final long MAX_WINDOW_MS = 30L * 24 * 3_600_000L;
    static final long DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60_000L;
    static final long MIN_APPROVAL_TIMEOUT_MS = 10_000L;
    static final long MAX_APPROVAL_TIMEOUT_MS = 24 * 3_600_000L;
    static final int MAX_TEXT = 2_000;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("[0-9]+");
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([1-9][0-9]{0,8})(s|m|h|d)");

    private final List<PolicyProblem> problems = new ArrayList<>();
    /** The id the policy is deployed under, or null; server and global buckets are keyed by it. */
    private final String policyId;

    Parser(String policyId) {
        this.policyId = policyId;
    }
    /** Counter definitions seen so far, by bucket id. */
    private final Map<String, CounterDefinition> counters = new HashMap<>();

    private record CounterDefinition(String pointer, long windowMillis, long max, long burst, String key) {
    }

    List<PolicyProblem> problems() {
        return problems;
    }

    private void problem(String pointer, String message) {
        problems.add(new PolicyProblem(pointer, message));
    }

    CompiledPolicy parse(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            problem("", "expected a JSON object (the policy), got " + Texts.typeOf(doc));
            return null;
        }
        unknownFields(doc, "", TOP_FIELDS);

        JsonNode version = doc.get("version");
        if (version == null) {
            problem("", "missing required field \"version\" (expected \"1\")");
        } else if (!version.isTextual()) {
            problem("/version", "expected the string \"1\", got " + Texts.typeOf(version));
        } else if (!"1".equals(version.textValue())) {
            problem("/version", "unsupported version " + Texts.quote(version.textValue()) + " (expected \"1\")");
        }

        String defaultValue = enumField(doc, "", "default", List.of("allow", "deny"), null, true);
        String list = enumField(doc, "", "list", List.of("all", "callable"), "all", false);
        String onLimiterError = enumField(doc, "", "on_limiter_error", List.of("closed", "open", "local"), "closed",
                false);
        String mode = enumField(doc, "", "mode", List.of("enforce", "shadow"), "enforce", false);
        JsonNode description = doc.get("description");
        if (description != null && !description.isTextual()) {
            problem("/description", "expected a string, got " + Texts.typeOf(description));
        }
        JsonNode schema = doc.get("$schema");
        if (schema != null && !schema.isTextual()) {
            problem("/$schema", "expected a string (the schema URI), got " + Texts.typeOf(schema));
        }

        Set<String> hideExact = new HashSet<>();
        List<Glob> hideGlobs = new ArrayList<>();
        parseHide(doc.get("hide"), hideExact, hideGlobs);

        LimiterErrorMode limiterMode = LimiterErrorMode.valueOf(
                (onLimiterError == null ? "closed" : onLimiterError).toUpperCase(java.util.Locale.ROOT));

        Block allTools = Block.EMPTY;
        JsonNode allToolsNode = doc.get("all_tools");
        if (allToolsNode != null) {
            allTools = parseBlock(allToolsNode, "/all_tools");
        }

        Map<String, RuleSet> exact = new HashMap<>();
        List<Map.Entry<Glob, RuleSet>> globs = new ArrayList<>();
        JsonNode tools = doc.get("tools");
        if (tools != null) {
            if (!tools.isObject()) {
                problem("/tools", "expected an object keyed by tool name, got " + Texts.typeOf(tools));
            } else {
                Iterator<Map.Entry<String, JsonNode>> fields = tools.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String name = field.getKey();
                    String pointer = "/tools/" + Texts.escape(name);
                    if (name.isEmpty()) {
                        problem(pointer, "tool name must not be empty");
                        continue;
                    }
                    Block block = parseBlock(field.getValue(), pointer);
                    RuleSet rules = block.with(allTools, pointer);
                    if (Glob.isGlob(name)) {
                        globs.add(Map.entry(new Glob(name), rules));
                    } else {
                        exact.put(name, rules);
                    }
                }
            }
        }

        EnumMap<RiskCategory, RuleSet> categoryRules = new EnumMap<>(RiskCategory.class);
        JsonNode categories = doc.get("categories");
        if (categories != null) {
            if (!categories.isObject()) {
                problem("/categories", "expected an object keyed by category, got " + Texts.typeOf(categories));
            } else {
                Iterator<Map.Entry<String, JsonNode>> fields = categories.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String pointer = "/categories/" + Texts.escape(field.getKey());
                    RiskCategory category = RiskCategory.fromJson(field.getKey());
                    if (category == null) {
                        problem(pointer, "unknown category " + Texts.quote(field.getKey())
                                + hint(field.getKey(), CATEGORIES));
                        continue;
                    }
                    categoryRules.put(category, parseBlock(field.getValue(), pointer).with(allTools, pointer));
                }
            }
        }

        Map<String, Boolean> methods = new HashMap<>();
        JsonNode methodsNode = doc.get("methods");
        if (methodsNode != null) {
            if (!methodsNode.isObject()) {
                problem("/methods", "expected an object keyed by method name, got " + Texts.typeOf(methodsNode));
            } else {
                Iterator<Map.Entry<String, JsonNode>> fields = methodsNode.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String method = field.getKey();
                    String pointer = "/methods/" + Texts.escape(method);
                    if (method.startsWith("tools/")) {
                        problem(pointer, "tool methods are governed by \"tools\", \"hide\" and \"default\", "
                                + "not by \"methods\"");
                    } else if (CompiledPolicy.LIFECYCLE.contains(method) || method.startsWith("notifications/")) {
                        problem(pointer, "lifecycle method " + Texts.quote(method) + " is always allowed");
                    } else if (!METHODS.contains(method)) {
                        problem(pointer, "unknown method " + Texts.quote(method) + hint(method, METHODS));
                    }
                    JsonNode v = field.getValue();
                    if (!v.isTextual() || !(v.textValue().equals("allow") || v.textValue().equals("deny"))) {
                        problem(pointer, "expected \"allow\" or \"deny\", got " + describe(v));
                    } else {
                        methods.put(method, v.textValue().equals("allow"));
                    }
                }
            }
        }

        if (!problems.isEmpty()) {
            return null;
        }
        // Stable sort: longest literal prefix first, document order among equals.
        globs.sort((a, b) -> Integer.compare(b.getKey().literalPrefix, a.getKey().literalPrefix));
        Glob[] globPatterns = new Glob[globs.size()];
        RuleSet[] globRules = new RuleSet[globs.size()];
        for (int i = 0; i < globPatterns.length; i++) {
            globPatterns[i] = globs.get(i).getKey();
            globRules[i] = globs.get(i).getValue();
        }
        return new CompiledPolicy(doc.deepCopy(), "allow".equals(defaultValue), "shadow".equals(mode),
                "callable".equals(list), limiterMode, Set.copyOf(hideExact), hideGlobs.toArray(new Glob[0]),
                Map.copyOf(exact), globPatterns, globRules, categoryRules,
                allTools.with(Block.EMPTY, null), Map.copyOf(methods));
    }

    // ---------------------------------------------------------------- helpers for fields

    private void unknownFields(JsonNode object, String pointer, List<String> known) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                problem(pointer + "/" + Texts.escape(name), "unknown field " + Texts.quote(name) + hint(name, known));
            }
        }
    }

    /** " (did you mean "x"?)" when a candidate is close, else " (expected one of a, b, c)". */
    static String hint(String given, List<String> candidates) {
        String close = Texts.didYouMean(given, candidates);
        if (close != null) {
            return " (did you mean \"" + close + "\"?)";
        }
        return " (expected one of " + String.join(", ", candidates) + ")";
    }

    private static String describe(JsonNode v) {
        return v.isTextual() ? Texts.quote(v.textValue()) : Texts.typeOf(v);
    }

    /** A field that must be one of a few strings. Returns the value, or the default. */
    private String enumField(JsonNode object, String pointer, String field, List<String> allowed, String fallback,
                             boolean required) {
        JsonNode v = object.get(field);
        String at = pointer + "/" + field;
        if (v == null) {
            if (required) {
                problem(pointer, "missing required field \"" + field + "\" (expected " + orList(allowed) + ")");
            }
            return fallback;
        }
        if (!v.isTextual() || !allowed.contains(v.textValue())) {
            String close = v.isTextual() ? Texts.didYouMean(v.textValue(), allowed) : null;
            problem(at, "expected " + orList(allowed) + ", got " + describe(v)
                    + (close != null ? " (did you mean \"" + close + "\"?)" : ""));
            return fallback;
        }
        return v.textValue();
    }

    private static String orList(List<String> allowed) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < allowed.size(); i++) {
            if (i > 0) {
                b.append(i == allowed.size() - 1 ? " or " : ", ");
            }
            b.append('"').append(allowed.get(i)).append('"');
        }
        return b.toString();
    }

    /** An optional string field; reports a problem when present with another type or too long. */
    private String textField(JsonNode object, String pointer, String field, boolean allowEmpty) {
        JsonNode v = object.get(field);
        if (v == null) {
            return null;
        }
        String at = pointer + "/" + field;
        if (!v.isTextual()) {
            problem(at, "expected a string, got " + Texts.typeOf(v));
            return null;
        }
        if (!allowEmpty && v.textValue().isEmpty()) {
            problem(at, "must not be empty");
            return null;
        }
        if (v.textValue().length() > MAX_TEXT) {
            problem(at, "too long (at most " + MAX_TEXT + " characters)");
            return null;
        }
        return v.textValue();
    }

    private boolean shadowMode(JsonNode object, String pointer) {
        return "shadow".equals(enumField(object, pointer, "mode", List.of("enforce", "shadow"), "enforce", false));
    }

    // ---------------------------------------------------------------- hide

    private void parseHide(JsonNode hide, Set<String> exact, List<Glob> globs) {
        if (hide == null) {
            return;
        }
        if (!hide.isArray()) {
            problem("/hide", "expected an array of tool names, got " + Texts.typeOf(hide));
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < hide.size(); i++) {
            JsonNode v = hide.get(i);
            String at = "/hide/" + i;
            if (!v.isTextual()) {
                problem(at, "expected a tool name (string), got " + Texts.typeOf(v));
                continue;
            }
            String name = v.textValue();
            if (name.isEmpty()) {
                problem(at, "tool name must not be empty");
                continue;
            }
            Integer first = seen.putIfAbsent(name, i);
            if (first != null) {
                problem(at, "duplicate entry " + Texts.quote(name) + " (already at /hide/" + first + ")");
                continue;
            }
            if (Glob.isGlob(name)) {
                globs.add(new Glob(name));
            } else {
                exact.add(name);
            }
        }
    }

    // ---------------------------------------------------------------- rule blocks

    /** The parsed content of one rule object (all_tools, a tool, a category). */
    static final class Block {
        static final Block EMPTY = new Block(new Entry[0], new Entry[0], new Entry[0], new LimitSpec[0]);
        final Entry[] require;
        final Entry[] denyIf;
        final Entry[] approval;
        final LimitSpec[] limits;

        Block(Entry[] require, Entry[] denyIf, Entry[] approval, LimitSpec[] limits) {
            this.require = require;
            this.denyIf = denyIf;
            this.approval = approval;
            this.limits = limits;
        }

        /** The rules of a call: {@code first}'s entries (all_tools), then this block's. */
        RuleSet with(Block first, String pointer) {
            return new RuleSet(pointer, concat(first.require, require), concat(first.denyIf, denyIf),
                    concat(first.approval, approval), concat(first.limits, limits));
        }

        static <T> T[] concat(T[] a, T[] b) {
            T[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    private Block parseBlock(JsonNode node, String pointer) {
        if (!node.isObject()) {
            problem(pointer, "expected an object with require, deny_if, approval or limits, got "
                    + Texts.typeOf(node));
            return Block.EMPTY;
        }
        unknownFields(node, pointer, RULE_FIELDS);
        Entry[] require = parseEntries(node.get("require"), pointer + "/require", Entry.Kind.REQUIRE);
        Entry[] denyIf = parseEntries(node.get("deny_if"), pointer + "/deny_if", Entry.Kind.DENY_IF);
        Entry[] approval = parseEntries(node.get("approval"), pointer + "/approval", Entry.Kind.APPROVAL);
        LimitSpec[] limits = parseLimits(node.get("limits"), pointer + "/limits");
        // PolicyLayer's other forms become the same entries and limits; their rule ids point at where they are written.
        Entry action = parseAction(node, pointer);
        if (action != null && action.kind == Entry.Kind.DENY_IF) {
            denyIf = Block.concat(new Entry[] {action}, denyIf);
        } else if (action != null) {
            approval = Block.concat(new Entry[] {action}, approval);
        }
        LimitSpec rateLimit = parseRateLimit(node.get("rate_limit"), pointer);
        if (rateLimit != null) {
            limits = Block.concat(limits, new LimitSpec[] {rateLimit});
        }
        return new Block(require, denyIf, approval, limits);
    }

    /**
     * {@code "action"} with its {@code "reason"}: {@code allow} adds nothing (a listed tool is allowed),
     * {@code deny} is an unconditional deny_if entry, {@code require_approval} an unconditional approval entry;
     * {@code reason} is what the agent (or the approver) is shown. Null when there is nothing to add.
     */
    private Entry parseAction(JsonNode node, String pointer) {
        String action = enumField(node, pointer, "action", ACTIONS, null, false);
        String reason = textField(node, pointer, "reason", false);
        if (node.has("reason") && !node.has("action")) {
            problem(pointer + "/reason", "\"reason\" goes with \"action\": \"deny\" or \"require_approval\"");
            return null;
        }
        if ("allow".equals(action) && node.has("reason")) {
            problem(pointer + "/reason", "an allowed tool shows no reason (\"reason\" goes with \"action\": "
                    + "\"deny\" or \"require_approval\")");
            return null;
        }
        String rule = pointer + "/action";
        if ("deny".equals(action)) {
            return new Entry(Entry.Kind.DENY_IF, rule, new Condition[0], reason, false, null, 0, null);
        }
        if ("require_approval".equals(action)) {
            return new Entry(Entry.Kind.APPROVAL, rule, new Condition[0], null, false, reason,
                    DEFAULT_APPROVAL_TIMEOUT_MS, ApprovalRequirement.Approver.OPERATOR);
        }
        return null;
    }

    /**
     * {@code "rate_limit": {"max": 10, "window": 60}}: a limit of its own block, the window in seconds (or any window
     * the language takes), scope {@code grant} unless given, counter named after the block unless given.
     */
    private LimitSpec parseRateLimit(JsonNode node, String blockPointer) {
        if (node == null) {
            return null;
        }
        String at = blockPointer + "/rate_limit";
        if (!node.isObject()) {
            problem(at, "expected an object {\"max\": calls, \"window\": seconds}, got " + Texts.typeOf(node));
            return null;
        }
        int before = problems.size();
        unknownFields(node, at, RATE_LIMIT_FIELDS);
        if (problems.size() > before) {
            return null;
        }
        com.fasterxml.jackson.databind.node.ObjectNode limit = node.deepCopy();
        if (!limit.has("counter")) {
            limit.put("counter", PolicyForms.rateLimitCounter(blockPointer));
        }
        if (!limit.has("scope")) {
            limit.put("scope", PolicyForms.RATE_LIMIT_SCOPE);
        }
        return parseLimit(limit, at, at);
    }

    /**
     * The rule id of the i-th element of a list: its {@code name} when valid and unique, else
     * its index. Reports bad or duplicate names.
     */
    private String ruleId(JsonNode element, String listPointer, int index, Set<String> names) {
        JsonNode name = element.get("name");
        if (name == null) {
            return listPointer + "/" + index;
        }
        String at = listPointer + "/" + index + "/name";
        if (!name.isTextual()) {
            problem(at, "expected a string, got " + Texts.typeOf(name));
        } else if (!NAME.matcher(name.textValue()).matches() || DIGITS.matcher(name.textValue()).matches()) {
            problem(at, "invalid name " + Texts.quote(name.textValue())
                    + " (expected 1 to 64 letters, digits, '_', '.', ':' or '-', not only digits)");
        } else if (!names.add(name.textValue())) {
            problem(at, "duplicate name " + Texts.quote(name.textValue()) + " in " + listPointer);
        } else {
            return listPointer + "/" + name.textValue();
        }
        return listPointer + "/" + index;
    }

    private Entry[] parseEntries(JsonNode list, String pointer, Entry.Kind kind) {
        if (list == null) {
            return new Entry[0];
        }
        if (!list.isArray()) {
            problem(pointer, "expected an array of entries, got " + Texts.typeOf(list));
            return new Entry[0];
        }
        List<Entry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String at = pointer + "/" + i;
            if (!e.isObject()) {
                problem(at, "expected an object with \"conditions\", got " + Texts.typeOf(e));
                continue;
            }
            unknownFields(e, at, kind == Entry.Kind.APPROVAL ? APPROVAL_FIELDS : ENTRY_FIELDS);
            String rule = ruleId(e, pointer, i, names);
            JsonNode conditionsNode = e.get("conditions");
            Condition[] conditions = new Condition[0];
            if (conditionsNode == null) {
                problem(at, "missing required field \"conditions\" (an array; [] always holds)");
            } else {
                conditions = parseConditionList(conditionsNode, at + "/conditions", 1);
            }
            boolean shadow = shadowMode(e, at);
            String onDeny = null;
            String reason = null;
            long timeout = DEFAULT_APPROVAL_TIMEOUT_MS;
            ApprovalRequirement.Approver approver = ApprovalRequirement.Approver.OPERATOR;
            if (kind == Entry.Kind.APPROVAL) {
                reason = textField(e, at, "reason", false);
                approver = "user".equals(enumField(e, at, "approver", List.of("operator", "user"), "operator", false))
                        ? ApprovalRequirement.Approver.USER : ApprovalRequirement.Approver.OPERATOR;
                JsonNode t = e.get("timeout");
                if (t != null) {
                    long ms = duration(t, at + "/timeout", MIN_APPROVAL_TIMEOUT_MS, MAX_APPROVAL_TIMEOUT_MS, "10s",
                            "24h");
                    timeout = ms > 0 ? ms : timeout;
                }
            } else {
                onDeny = textField(e, at, "on_deny", false);
            }
            out.add(new Entry(kind, rule, conditions, onDeny, shadow, reason, timeout, approver));
        }
        return out.toArray(new Entry[0]);
    }

    // ---------------------------------------------------------------- conditions

    private Condition[] parseConditionList(JsonNode list, String pointer, int depth) {
        if (!list.isArray()) {
            problem(pointer, "expected an array of conditions, got " + Texts.typeOf(list));
            return new Condition[0];
        }
        List<Condition> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Condition c = parseCondition(list.get(i), pointer + "/" + i, depth);
            if (c != null) {
                out.add(c);
            }
        }
        return out.toArray(new Condition[0]);
    }

    private Condition parseCondition(JsonNode node, String pointer, int depth) {
        if (!node.isObject()) {
            problem(pointer, "expected a condition object {path, op, value} or {any|all|not}, got "
                    + Texts.typeOf(node));
            return null;
        }
        if (depth > MAX_CONDITION_DEPTH) {
            problem(pointer, "conditions are nested deeper than " + MAX_CONDITION_DEPTH + " levels");
            return null;
        }
        unknownFields(node, pointer, CONDITION_FIELDS);
        List<String> combinators = new ArrayList<>();
        for (String c : List.of("any", "all", "not")) {
            if (node.has(c)) {
                combinators.add(c);
            }
        }
        if (!combinators.isEmpty()) {
            if (combinators.size() > 1 || node.has("path") || node.has("op") || node.has("value")) {
                problem(pointer, "a combinator (" + combinators.get(0)
                        + ") must be the only field of its condition");
                return null;
            }
            String kind = combinators.get(0);
            JsonNode inner = node.get(kind);
            String at = pointer + "/" + kind;
            if (kind.equals("not")) {
                Condition child = parseCondition(inner, at, depth + 1);
                return child == null ? null : new Condition.Not(child);
            }
            if (inner.isArray() && inner.isEmpty()) {
                problem(at, "must list at least one condition");
                return null;
            }
            Condition[] children = parseConditionList(inner, at, depth + 1);
            return kind.equals("any") ? new Condition.Any(children) : new Condition.All(children);
        }
        int before = problems.size();
        JsonNode pathNode = node.get("path");
        JsonNode opNode = node.get("op");
        JsonNode value = node.get("value");
        Path path = null;
        if (pathNode == null) {
            problem(pointer, "missing required field \"path\"");
        } else if (!pathNode.isTextual()) {
            problem(pointer + "/path", "expected a string, got " + Texts.typeOf(pathNode));
        } else {
            path = parsePath(pathNode.textValue(), pointer + "/path", true);
        }
        Condition.Op op = null;
        if (opNode == null) {
            problem(pointer, "missing required field \"op\" (expected one of " + Condition.Op.allNames() + ")");
        } else if (!opNode.isTextual()) {
            problem(pointer + "/op", "expected a string, got " + Texts.typeOf(opNode));
        } else {
            op = Condition.Op.fromJson(opNode.textValue());
            if (op == null) {
                problem(pointer + "/op", "unknown operator " + Texts.quote(opNode.textValue())
                        + " (expected one of " + Condition.Op.allNames() + ")");
            }
        }
        if (op == null) {
            return null;
        }
        if (value == null) {
            if (op == Condition.Op.EXISTS) {
                value = com.fasterxml.jackson.databind.node.BooleanNode.TRUE;
            } else {
                problem(pointer, "missing required field \"value\" for operator " + op.json);
                return null;
            }
        }
        Pattern pattern = checkValue(op, value, pointer + "/value");
        if (problems.size() > before || path == null) {
            return null;
        }
        return new Condition.Leaf(path, op, value, pattern);
    }

    /** Checks the type of a condition's value; returns the compiled regex for {@code regex}. */
    private Pattern checkValue(Condition.Op op, JsonNode value, String at) {
        switch (op) {
            case EQ: case NEQ: case CONTAINS:
                checkDepth(value, at);
                return null;
            case IN: case NOT_IN:
                if (!value.isArray()) {
                    problem(at, "operator " + op.json + " expects an array, got " + Texts.typeOf(value));
                } else {
                    checkDepth(value, at);
                }
                return null;
            case LT: case LTE: case GT: case GTE:
                if (!value.isNumber()) {
                    problem(at, "operator " + op.json + " expects a number, got " + Texts.typeOf(value));
                } else if (!Double.isFinite(value.doubleValue())) {
                    problem(at, "operator " + op.json + " expects a finite number");
                }
                return null;
            case EXISTS:
                if (!value.isBoolean()) {
                    problem(at, "operator exists expects true or false, got " + Texts.typeOf(value));
                }
                return null;
            case STARTS_WITH: case ENDS_WITH:
                if (!value.isTextual()) {
                    problem(at, "operator " + op.json + " expects a string, got " + Texts.typeOf(value));
                }
                return null;
            case REGEX:
                if (!value.isTextual()) {
                    problem(at, "operator regex expects a string, got " + Texts.typeOf(value));
                    return null;
                }
                try {
                    return Pattern.compile(value.textValue());
                } catch (PatternSyntaxException e) {
                    problem(at, "regex does not compile: " + e.getDescription()
                            + " (RE2 syntax: no backreferences or lookaround)");
                } catch (RuntimeException e) {
                    problem(at, "regex does not compile");
                }
                return null;
            default:
                return null;
        }
    }

    private void checkDepth(JsonNode value, String at) {
        if (Values.depth(value) > MAX_VALUE_DEPTH) {
            problem(at, "value is nested deeper than " + MAX_VALUE_DEPTH + " levels");
        }
    }

    private Path parsePath(String text, String at, boolean wildcardAllowed) {
        String[] error = new String[1];
        Path path = Path.parse(text, error);
        if (path == null) {
            problem(at, error[0]);
            return null;
        }
        if (!wildcardAllowed && path.hasWildcard) {
            problem(at, "path " + Texts.quote(text) + " must denote a single value (no \"*\" segment)");
            return null;
        }
        return path;
    }

    // ---------------------------------------------------------------- limits

    private LimitSpec[] parseLimits(JsonNode list, String pointer) {
        if (list == null) {
            return new LimitSpec[0];
        }
        if (!list.isArray()) {
            problem(pointer, "expected an array of limits, got " + Texts.typeOf(list));
            return new LimitSpec[0];
        }
        List<LimitSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode l = list.get(i);
            String at = pointer + "/" + i;
            if (!l.isObject()) {
                problem(at, "expected a limit object {counter, window, max, scope}, got " + Texts.typeOf(l));
                continue;
            }
            String rule = ruleId(l, pointer, i, names);
            LimitSpec spec = parseLimit(l, at, rule);
            if (spec != null) {
                out.add(spec);
            }
        }
        return out.toArray(new LimitSpec[0]);
    }

    /** One limit object at {@code at}, with rule id {@code rule}; null after reporting its problems. */
    private LimitSpec parseLimit(JsonNode l, String at, String rule) {
        int before = problems.size();
        unknownFields(l, at, LIMIT_FIELDS);
        String counter = null;
        JsonNode counterNode = l.get("counter");
        if (counterNode == null) {
            problem(at, "missing required field \"counter\"");
        } else if (!counterNode.isTextual() || counterNode.textValue().isEmpty()) {
            problem(at + "/counter", "expected a non-empty string, got " + describe(counterNode));
        } else if (counterNode.textValue().indexOf('|') >= 0 || counterNode.textValue().length() > 128) {
            problem(at + "/counter", "counter names must be at most 128 characters, without '|'");
        } else {
            counter = counterNode.textValue();
        }
        long windowMs = -1;
        JsonNode window = l.get("window");
        if (window == null) {
            problem(at, "missing required field \"window\" (\"second\", \"minute\", \"hour\", \"day\", "
                    + "a duration such as \"15m\", or a number of seconds)");
        } else {
            windowMs = window(window, at + "/window");
        }
        long max = integer(l, at, "max", true, 1, MAX_COUNT, -1);
        String scope = enumField(l, at, "scope", SCOPES, null, true);
        long burst = integer(l, at, "burst", false, 1, MAX_COUNT, max);
        if (l.has("cost") && l.has("cost_from")) {
            problem(at, "\"cost\" and \"cost_from\" exclude each other");
        }
        long cost = integer(l, at, "cost", false, 1, MAX_COUNT, 1);
        if (burst > 0 && cost > burst) {
            problem(at + "/cost", "cost " + cost + " exceeds the bucket capacity (burst or max) of " + burst
                    + ": no call could ever pass");
        }
        Path costFrom = null;
        JsonNode costFromNode = l.get("cost_from");
        if (costFromNode != null) {
            if (!costFromNode.isTextual()) {
                problem(at + "/cost_from", "expected a path string, got " + Texts.typeOf(costFromNode));
            } else {
                costFrom = parsePath(costFromNode.textValue(), at + "/cost_from", false);
            }
        }
        List<Path> keys = new ArrayList<>();
        JsonNode key = l.get("key");
        if (key != null) {
            if (key.isTextual()) {
                Path p = parsePath(key.textValue(), at + "/key", false);
                if (p != null) {
                    keys.add(p);
                }
            } else if (key.isArray() && !key.isEmpty()) {
                for (int k = 0; k < key.size(); k++) {
                    JsonNode kn = key.get(k);
                    if (!kn.isTextual()) {
                        problem(at + "/key/" + k, "expected a path string, got " + Texts.typeOf(kn));
                        continue;
                    }
                    Path p = parsePath(kn.textValue(), at + "/key/" + k, false);
                    if (p != null) {
                        keys.add(p);
                    }
                }
            } else {
                problem(at + "/key", "expected a path or a non-empty array of paths, got " + Texts.typeOf(key));
            }
        }
        String onDeny = textField(l, at, "on_deny", false);
        boolean shadow = shadowMode(l, at);
        if (problems.size() > before) {
            return null;
        }
        String keyText = keys.stream().map(p -> p.text).reduce((a, b) -> a + "," + b).orElse("");
        String bucketId = counter + "|" + scope;
        CounterDefinition def = new CounterDefinition(at, windowMs, max, burst, keyText);
        CounterDefinition earlier = counters.putIfAbsent(bucketId, def);
        if (earlier != null && (earlier.windowMillis != windowMs || earlier.max != max || earlier.burst != burst
                || !earlier.key.equals(keyText))) {
            problem(at, "counter " + Texts.quote(counter) + " (scope " + scope + ") is defined differently at "
                    + earlier.pointer + ": limits sharing a counter must agree on window, max, burst and key");
            return null;
        }
        return new LimitSpec(rule, counter, scope, policyId, windowMs, max, burst, cost, costFrom,
                keys.toArray(new Path[0]), onDeny, shadow);
    }

    /** An optional or required integer field within a range; returns the fallback when absent or bad. */
    private long integer(JsonNode object, String pointer, String field, boolean required, long min, long max,
                         long fallback) {
        JsonNode v = object.get(field);
        if (v == null) {
            if (required) {
                problem(pointer, "missing required field \"" + field + "\" (an integer from " + min + ")");
            }
            return fallback;
        }
        String at = pointer + "/" + field;
        if (!v.isIntegralNumber() && !(v.isNumber() && isWhole(v))) {
            problem(at, "expected an integer, got " + (v.isNumber() ? "a fractional number" : Texts.typeOf(v)));
            return -1;
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            problem(at, "must be between " + min + " and " + max);
            return -1;
        }
        return v.longValue();
    }

    private static boolean isWhole(JsonNode v) {
        double d = v.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15;
    }

    private long window(JsonNode v, String at) {
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "second":
                    return 1_000L;
                case "minute":
                    return 60_000L;
                case "hour":
                    return 3_600_000L;
                case "day":
                    return 86_400_000L;
                default:
                    if (!DURATION.matcher(v.textValue()).matches()) {
                        String close = Texts.didYouMean(v.textValue(), List.of("second", "minute", "hour", "day"));
                        problem(at, "expected \"second\", \"minute\", \"hour\", \"day\", a duration such as "
                                + "\"90s\" or \"15m\", or a number of seconds, got " + Texts.quote(v.textValue())
                                + (close != null ? " (did you mean \"" + close + "\"?)" : ""));
                        return -1;
                    }
                    break;
            }
        }
        return duration(v, at, MIN_WINDOW_MS, MAX_WINDOW_MS, "1s", "30d");
    }

    /**
     * A duration: {@code "90s"}, {@code "15m"}, {@code "2h"}, {@code "1d"} or a whole number of
     * seconds; in milliseconds, or -1 after reporting a problem.
     */
    private long duration(JsonNode v, String at, long minMs, long maxMs, String minText, String maxText) {
        long ms = -1;
        if (v.isIntegralNumber() || (v.isNumber() && isWhole(v))) {
            if (v.canConvertToLong() && v.longValue() > 0 && v.longValue() <= maxMs / 1000) {
                ms = v.longValue() * 1000;
            } else {
                problem(at, "must be between " + minText + " and " + maxText);
                return -1;
            }
        } else if (v.isTextual()) {
            java.util.regex.Matcher m = DURATION.matcher(v.textValue());
            if (!m.matches()) {
                problem(at, "expected a duration such as \"90s\", \"15m\", \"2h\" or \"1d\", got "
                        + Texts.quote(v.textValue()));
                return -1;
            }
            long amount = Long.parseLong(m.group(1));
            long unit = switch (m.group(2)) {
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            ms = amount * unit;
        } else {
            problem(at, "expected a duration string or a number of seconds, got " + Texts.typeOf(v));
            return -1;
        }
        if (ms < minMs || ms > maxMs) {
            problem(at, "must be between " + minText + " and " + maxText);
            return -1;
        }
        return ms;
    }
}
