package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Property tests with seeded random generators in plain JUnit (jqwik is not used: see the
 * module README). Each property runs many generated cases; a failure message carries the seed.
 */
class PolicyPropertiesTest {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final ObjectMapper JSON = new ObjectMapper();
    static final long SEED = Long.getLong("policy.seed", 20260302L);
    static final List<String> VOCABULARY = List.of("version", "default", "hide", "all_tools", "tools", "categories",
            "methods", "list", "on_limiter_error", "mode", "description", "require", "deny_if", "approval", "limits",
            "conditions", "on_deny", "name", "path", "op", "value", "any", "all", "not", "counter", "window", "max",
            "scope", "key", "burst", "cost", "cost_from", "timeout", "reason", "gt", "eq", "regex", "args.amount",
            "grant.tags.team", "deny", "allow", "1", "*", "admin_*", "read", "prompts/get", "shadow", "minute", "15m");

    // ------------------------------------------------------------ random JSON never crashes

    static JsonNode randomJson(Random r, int depth) {
        int kind = depth > 6 ? r.nextInt(6) : r.nextInt(9);
        switch (kind) {
            case 0:
                return F.textNode(VOCABULARY.get(r.nextInt(VOCABULARY.size())));
            case 1:
                return F.numberNode(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(20) - 5);
            case 2:
                return F.numberNode(new BigDecimal(r.nextGaussian() * 1e6).scaleByPowerOfTen(r.nextInt(80) - 40));
            case 3:
                return F.booleanNode(r.nextBoolean());
            case 4:
                return F.nullNode();
            case 5:
                return F.textNode(randomString(r));
            case 6: case 7: {
                ObjectNode o = F.objectNode();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    String key = r.nextInt(5) == 0 ? randomString(r) : VOCABULARY.get(r.nextInt(VOCABULARY.size()));
                    o.set(key, randomJson(r, depth + 1));
                }
                return o;
            }
            default: {
                ArrayNode a = F.arrayNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    a.add(randomJson(r, depth + 1));
                }
                return a;
            }
        }
    }

    static String randomString(Random r) {
        String alphabet = "ab*?.~/\\()[]{}|^$+01 é\u0000\"";
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** A valid base policy with random fields replaced by random JSON: near-misses of real policies. */
    static JsonNode mutatedPolicy(Random r, JsonNode base) {
        JsonNode copy = base.deepCopy();
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            JsonNode node = copy;
            ObjectNode parent = null;
            String field = null;
            for (int d = 0; d < 6 && node.isContainerNode() && node.size() > 0; d++) {
                if (node.isObject()) {
                    List<String> names = new ArrayList<>();
                    node.fieldNames().forEachRemaining(names::add);
                    field = names.get(r.nextInt(names.size()));
                    parent = (ObjectNode) node;
                    node = node.get(field);
                } else {
                    node = node.get(r.nextInt(node.size()));
                }
                if (r.nextInt(3) == 0) {
                    break;
                }
            }
            if (parent != null) {
                parent.set(field, randomJson(r, 3));
            }
        }
        return copy;
    }

    @Test
    void randomJsonNeverCrashesTheValidator() throws Exception {
        Random r = new Random(SEED);
        JsonNode base = JSON.readTree(
                java.nio.file.Files.readString(java.nio.file.Path.of("src/test/resources/policies/valid/warden-extensions.json")));
        for (int i = 0; i < 10_000; i++) {
            JsonNode doc = i % 2 == 0 ? randomJson(r, 0) : mutatedPolicy(r, base);
            CompileResult result = PolicyCompiler.compile(doc);
            String where = "seed " + SEED + ", case " + i + ": " + doc;
            assertNotNull(result, where);
            assertNoInternalFailure(result, where);
            assertTrue(result.ok() == result.problems().isEmpty(), where);
            assertTrue(result.ok() == (result.policy() != null), where);
            if (result.ok()) {
                // A policy that compiles must also evaluate without throwing.
                Decision d = result.policy().evaluateCall(new CallContext(Subject.of("g", "s"), "create_refund",
                        randomJson(r, 0), null, Instant.EPOCH));
                assertNotNull(d, where);
            }
            // The text form goes through the parser too, including truncated documents.
            String text = doc.toString();
            assertNoInternalFailure(PolicyCompiler.compile(text.substring(0, r.nextInt(text.length() + 1))), where);
        }
    }

    /**
     * The compiler never throws because it catches every exception as a last resort; a property test that only checked
     * "no exception" could therefore never fail. What it must check is that no input reached that last resort.
     */
    static void assertNoInternalFailure(CompileResult result, String where) {
        for (PolicyProblem p : result.problems()) {
            assertFalse(p.message().startsWith(PolicyCompiler.INTERNAL_FAILURE), () -> where + ": " + p.message());
        }
    }

    @Test
    void hostileTextNeverCrashesTheValidator() {
        List<String> inputs = new ArrayList<>(List.of("", " ", "null", "[]", "1", "\"x\"", "{", "}", "{\"version\":",
                "{\"version\":\"1\",\"version\":\"1\",\"default\":\"deny\"}", "{\"a\":1e999999999}",
                "{\"version\":\"1\",\"default\":\"deny\"} trailing", "\uFEFF{}", "{\"\u0000\":1}"));
        inputs.add("[".repeat(100_000));
        inputs.add("{\"a\":".repeat(50_000));
        inputs.add("{\"version\":\"1\",\"default\":\"deny\",\"description\":" + "9".repeat(5000) + "}");
        for (String input : inputs) {
            CompileResult result = PolicyCompiler.compile(input);
            String where = input.length() > 60 ? input.substring(0, 60) : input;
            assertFalse(result.ok(), where);
            assertFalse(result.problems().isEmpty());
            assertNoInternalFailure(result, where);
        }
        assertFalse(PolicyCompiler.compile((String) null).ok());
        assertFalse(PolicyCompiler.compile((JsonNode) null).ok());
        // A deeply nested node built in memory (no parser limit applies) is refused, not overflowed.
        ObjectNode root = F.objectNode().put("version", "1").put("default", "deny");
        ObjectNode node = root.putObject("description");
        for (int i = 0; i < 100_000; i++) {
            node = node.putObject("x");
        }
        CompileResult deep = PolicyCompiler.compile(root);
        assertFalse(deep.ok());
        assertNoInternalFailure(deep, "100,000 nested objects");
    }

    // ------------------------------------------------------------ type confusion

    /** Ways an attacker may dress up a value so that a naive check misses it. */
    static List<JsonNode> disguises(JsonNode v) {
        List<JsonNode> out = new ArrayList<>();
        out.add(v);
        out.add(F.textNode(v.asText()));
        out.add(F.arrayNode().add(v));
        out.add(F.arrayNode().add(F.textNode(v.asText())));
        out.add(F.objectNode().set("v", v));
        out.add(F.arrayNode().add(F.arrayNode().add(v)));
        out.add(F.objectNode().set("amount", F.arrayNode().add(v)));
        out.add(F.arrayNode().add(F.numberNode(0)).add(v));
        return out;
    }

    static CompiledPolicy single(String list, String op, JsonNode value) {
        ObjectNode doc = F.objectNode().put("version", "1").put("default", "allow");
        ObjectNode condition = F.objectNode().put("path", "args.amount").put("op", op);
        condition.set("value", value);
        ObjectNode entry = F.objectNode();
        entry.putArray("conditions").add(condition);
        ((ObjectNode) doc.putObject("tools").putObject("t")).putArray(list).add(entry);
        CompileResult result = PolicyCompiler.compile(doc);
        assertTrue(result.ok(), result.problems()::toString);
        return result.policy();
    }

    static Decision call(CompiledPolicy p, JsonNode amount) {
        ObjectNode args = F.objectNode();
        args.set("amount", amount);
        return p.evaluateCall(new CallContext(Subject.of("g", "s"), "t", args, null, Instant.EPOCH));
    }

    @Test
    void typeConfusionNeverBypassesDenyIfOrRequire() {
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 2_000; i++) {
            long threshold = r.nextInt(1_000_000);
            long over = threshold + 1 + r.nextInt(1_000_000);
            long under = Math.max(0, threshold - 1 - r.nextInt(1_000));
            JsonNode t = F.numberNode(threshold);
            // deny_if amount > threshold: every disguise of a larger amount is denied.
            check(single("deny_if", "gt", t), disguises(F.numberNode(over)), i);
            check(single("deny_if", "gte", t), disguises(F.numberNode(over)), i);
            check(single("deny_if", "lt", t), disguises(F.numberNode(under)), i);
            // require amount <= threshold: the same larger amount must not pass the requirement.
            check(single("require", "lte", t), disguises(F.numberNode(over)), i);
            check(single("require", "lt", t), disguises(F.numberNode(over)), i);
            // Fractional and exponent spellings.
            check(single("deny_if", "gt", t), disguises(F.numberNode(new BigDecimal(over).add(new BigDecimal("0.5")))),
                    i);
            check(single("deny_if", "gt", t), List.of(F.textNode(Long.toString(over)),
                    F.textNode(over + ".0"), F.textNode(String.format("%.6e", (double) over))), i);
            // Equality: a forbidden string stays forbidden when wrapped.
            String forbidden = "prod-" + r.nextInt(100);
            check(single("deny_if", "eq", F.textNode(forbidden)), disguises(F.textNode(forbidden)).subList(0, 1), i);
            check(single("deny_if", "eq", F.textNode(forbidden)), wrapped(F.textNode(forbidden)), i);
            check(single("deny_if", "in", F.arrayNode().add(forbidden)), wrapped(F.textNode(forbidden)), i);
            check(single("require", "eq", F.textNode("staging")), wrapped(F.textNode(forbidden)), i);
        }
    }

    static List<JsonNode> wrapped(JsonNode v) {
        return List.of(F.arrayNode().add(v), F.objectNode().set("v", v), F.arrayNode().add(F.arrayNode().add(v)));
    }

    static void check(CompiledPolicy p, List<JsonNode> values, int i) {
        for (JsonNode v : values) {
            Decision d = call(p, v);
            assertEquals(Outcome.DENY, d.outcome(), "seed " + SEED + " case " + i + ": " + v + " slipped past "
                    + p.source());
        }
    }

    // ------------------------------------------------------------ determinism

    @Test
    void evaluationIsDeterministicAcrossCallsAndThreads() throws Exception {
        Random r = new Random(SEED + 2);
        JsonNode base = JSON.readTree(java.nio.file.Files.readString(
                java.nio.file.Path.of("src/test/resources/policies/valid/warden-extensions.json")));
        CompiledPolicy p = PolicyCompiler.compile(base).policy();
        List<String> tools = List.of("get_invoice", "get_secret", "run_query", "create_refund", "purge_cache",
                "admin_x", "send_email", "list_files");
        List<CallContext> calls = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            ObjectNode args = F.objectNode();
            args.set("amount", randomJson(r, 4));
            args.set("sql", r.nextBoolean() ? F.textNode("delete from x") : randomJson(r, 5));
            args.set("tables", randomJson(r, 4));
            args.set("customer_id", randomJson(r, 5));
            Subject s = new Subject("g" + r.nextInt(3), "l", Map.of("team", r.nextBoolean() ? "security" : "x",
                    "oncall", r.nextBoolean() ? "true" : "false"), "s" + r.nextInt(2), "n");
            calls.add(new CallContext(s, tools.get(r.nextInt(tools.size())), args, null,
                    Instant.ofEpochSecond(1_770_000_000L + r.nextInt(7 * 86_400))));
        }
        Function<List<CallContext>, List<Decision>> runAll = cs -> cs.stream().map(p::evaluateCall).toList();
        List<Decision> first = runAll.apply(calls);
        assertEquals(first, runAll.apply(calls));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Decision>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> runAll.apply(calls)));
            }
            for (Future<List<Decision>> f : futures) {
                assertEquals(first, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        // A recompiled policy decides the same.
        assertEquals(first, runAll.apply(calls).stream().toList());
        CompiledPolicy again = PolicyCompiler.compile(base).policy();
        assertEquals(first, calls.stream().map(again::evaluateCall).toList());
    }

    // ------------------------------------------------------------ exact beats glob

    @Test
    void exactKeyAlwaysBeatsGlobsAndLongestPrefixWinsAmongGlobs() {
        Random r = new Random(SEED + 3);
        for (int i = 0; i < 2_000; i++) {
            String name = randomToolName(r);
            ObjectNode doc = F.objectNode().put("version", "1").put("default", "deny");
            ObjectNode tools = F.objectNode();
            List<String> globs = new ArrayList<>();
            globs.add("*");
            for (int k = 1; k < name.length(); k++) {
                globs.add(name.substring(0, k) + "*");
                globs.add(name.substring(0, k) + "?".repeat(name.length() - k));
            }
            java.util.Collections.shuffle(globs, r);
            boolean withExact = r.nextBoolean();
            int insertExactAt = r.nextInt(globs.size() + 1);
            for (int g = 0; g <= globs.size(); g++) {
                if (withExact && g == insertExactAt) {
                    tools.set(name, denyAll("exact"));
                }
                if (g < globs.size()) {
                    tools.set(globs.get(g), denyAll("glob"));
                }
            }
            doc.set("tools", tools);
            CompiledPolicy p = PolicyCompiler.compile(doc).policy();
            Decision d = p.evaluateCall(new CallContext(Subject.of("g", "s"), name, null, null, Instant.EPOCH));
            String where = "seed " + SEED + " case " + i + " " + doc;
            if (withExact) {
                assertEquals("/tools/" + name + "/deny_if/exact", d.rule(), where);
            } else {
                int longest = globs.stream().mapToInt(g -> g.indexOf('*') >= 0 ? g.indexOf('*') : g.indexOf('?') < 0
                        ? g.length() : g.indexOf('?')).max().orElse(0);
                assertTrue(d.rule().startsWith("/tools/"), where);
                String key = d.rule().substring("/tools/".length(), d.rule().indexOf("/deny_if"));
                int prefix = new Glob(key).literalPrefix;
                assertEquals(longest, prefix, where);
            }
        }
    }

    static ObjectNode denyAll(String name) {
        ObjectNode rule = F.objectNode();
        rule.putArray("deny_if").addObject().put("name", name).putArray("conditions");
        return rule;
    }

    static String randomToolName(Random r) {
        String alphabet = "abcdefgh_";
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void globMatcherAgreesWithARegexTranslation() {
        Random r = new Random(SEED + 4);
        for (int i = 0; i < 20_000; i++) {
            String pattern = randomPattern(r);
            String name = randomToolName(r);
            String regex = pattern.chars().mapToObj(c -> c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern
                    .quote(String.valueOf((char) c))).reduce("", String::concat);
            assertEquals(name.matches(regex), new Glob(pattern).matches(name), pattern + " vs " + name);
        }
    }

    static String randomPattern(Random r) {
        String alphabet = "ab_*?";
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
