package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The indexed lookups (hide, exact keys, globs by literal prefix), the one-pass classifier and
 * the arithmetic clock answer exactly as the straightforward scans they replace.
 */
class LookupIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = Long.getLong("policy.seed", 424242L);
    private static final String ALPHABET = "ab_*?";

    private static String randomName(Random r, String alphabet, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** The reference: the first glob, in "longest literal prefix, then given order" order, that matches. */
    private static int linearBest(List<Glob> globs, String name) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, globs.size()).boxed().toList());
        order.sort(Comparator.comparingInt(i -> -globs.get(i).literalPrefix));
        for (int i : order) {
            if (globs.get(i).matches(name)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void globIndexAgreesWithALinearScan() {
        Random r = new Random(SEED);
        for (int round = 0; round < 400; round++) {
            List<Glob> globs = new ArrayList<>();
            int count = r.nextInt(30);
            for (int i = 0; i < count; i++) {
                String p = randomName(r, ALPHABET, 6);
                globs.add(new Glob(Glob.isGlob(p) ? p : p + "*"));
            }
            // The index gets the globs sorted as the compiler sorts them (stable, longest prefix first).
            List<Glob> sorted = new ArrayList<>(globs);
            sorted.sort(Comparator.comparingInt(g -> -g.literalPrefix));
            GlobIndex index = new GlobIndex(sorted.toArray(new Glob[0]));
            for (int k = 0; k < 200; k++) {
                String name = randomName(r, "ab_c", 8);
                int expected = linearBest(sorted, name);
                int found = index.find(name);
                assertEquals(expected < 0 ? null : sorted.get(expected).pattern,
                        found < 0 ? null : sorted.get(found).pattern, () -> sorted + " on " + name);
                assertEquals(expected >= 0, index.matchesAny(name), () -> sorted + " on " + name);
            }
        }
    }

    @Test
    void globIndexWithCollidingPrefixHashes() {
        // "Aa" and "BB" have the same String hash code.
        Glob[] globs = {new Glob("AaX*"), new Glob("BBY*"), new Glob("Aa*"), new Glob("BB*"), new Glob("*")};
        GlobIndex index = new GlobIndex(globs);
        assertEquals(0, index.find("AaX1"));
        assertEquals(1, index.find("BBY1"));
        assertEquals(2, index.find("AaY"));
        assertEquals(3, index.find("BBX"));
        assertEquals(4, index.find("Ab"));
        assertEquals(4, index.find(""));
        assertEquals(-1, new GlobIndex(new Glob[] {new Glob("Aa?")}).find("BBx"));
    }

    /** Random policies of exact, glob and hide keys: every decision as the documented order gives it. */
    @Test
    void hideExactGlobAndDefaultFollowTheDocumentedOrder() {
        Random r = new Random(SEED);
        for (int round = 0; round < 150; round++) {
            ObjectNode policy = JSON.createObjectNode().put("version", "1")
                    .put("default", r.nextBoolean() ? "deny" : "allow");
            Set<String> hide = new LinkedHashSet<>();
            int hides = r.nextInt(5);
            for (int i = 0; i < hides; i++) {
                String h = randomName(r, ALPHABET, 5);
                if (!h.isEmpty()) {
                    hide.add(h);
                }
            }
            ArrayNode hideNode = policy.putArray("hide");
            hide.forEach(hideNode::add);
            ObjectNode tools = policy.putObject("tools");
            List<String> keys = new ArrayList<>();
            int count = r.nextInt(12);
            for (int i = 0; i < count; i++) {
                String key = randomName(r, ALPHABET, 5);
                if (key.isEmpty() || tools.has(key)) {
                    continue;
                }
                keys.add(key);
                tools.set(key, JSON.createObjectNode().set("deny_if", JSON.createArrayNode().add(
                        JSON.createObjectNode().put("on_deny", "key " + key).set("conditions",
                                JSON.createArrayNode()))));
            }
            CompileResult compiled = PolicyCompiler.compile(policy.toString());
            if (!compiled.ok()) {
                continue;
            }
            CompiledPolicy p = compiled.policy();
            for (int k = 0; k < 100; k++) {
                String name = randomName(r, "ab_", 6);
                Decision d = p.evaluateCall(new CallContext(EvaluationTest.ALICE, name, null, null, null));
                boolean hidden = hide.stream().anyMatch(h -> Glob.isGlob(h) ? new Glob(h).matches(name) : h.equals(name));
                String expectedKey = keys.contains(name) ? name : keys.stream().filter(Glob::isGlob)
                        .filter(g -> new Glob(g).matches(name))
                        .min(Comparator.comparingInt((String g) -> -new Glob(g).literalPrefix)
                                .thenComparingInt(keys::indexOf)).orElse(null);
                String why = policy + " on " + name;
                assertEquals(hidden, p.hides(name), why);
                if (hidden) {
                    assertEquals(new Decision(Outcome.HIDDEN, Decision.HIDDEN_RULE, "Unknown tool: " + name, null,
                            null, null), d, why);
                } else if (expectedKey != null) {
                    assertEquals("key " + expectedKey, d.message(), why);
                } else if (policy.get("default").asText().equals("deny")) {
                    assertEquals(new Decision(Outcome.DENY, Decision.DEFAULT_DENY,
                            "Tool \"" + name + "\" is not allowed by this policy.", null, null, null), d, why);
                } else {
                    assertEquals(Outcome.ALLOW, d.outcome(), why);
                }
            }
        }
    }

    @Test
    void thousandsOfGlobsAndExactKeysStillDecideAsTheSpecSays() {
        ObjectNode policy = JSON.createObjectNode().put("version", "1").put("default", "deny");
        ArrayNode hide = policy.putArray("hide");
        ObjectNode tools = policy.putObject("tools");
        for (int i = 0; i < 2000; i++) {
            hide.add(String.format("secret_%04d_*", i));
            tools.set(String.format("get_zz%05d_*", i), deny("glob " + i));
            tools.set(String.format("tool_%05d", i), deny("exact " + i));
        }
        tools.set("get_*", deny("get"));
        tools.set("get_zz00007_special", deny("exact special"));
        hide.add("tool_00003");
        hide.add("tool_0001?");
        CompiledPolicy p = EvaluationTest.compile(policy.toString());
        assertEquals("glob 7", call(p, "get_zz00007_x").message());
        assertEquals("exact special", call(p, "get_zz00007_special").message());
        assertEquals("get", call(p, "get_invoice").message());
        assertEquals("exact 4", call(p, "tool_00004").message());
        assertEquals(Outcome.HIDDEN, call(p, "tool_00003").outcome());
        assertEquals(Outcome.HIDDEN, call(p, "tool_00015").outcome());
        assertEquals(Outcome.HIDDEN, call(p, "secret_1999_x").outcome());
        assertEquals(Decision.DEFAULT_DENY, call(p, "secret_2000_x").rule());
    }

    private static JsonNode deny(String message) {
        return JSON.createObjectNode().set("deny_if", JSON.createArrayNode().add(
                JSON.createObjectNode().put("on_deny", message).set("conditions", JSON.createArrayNode())));
    }

    private static Decision call(CompiledPolicy p, String tool) {
        return p.evaluateCall(new CallContext(EvaluationTest.ALICE, tool, null, null, null));
    }

    // ------------------------------------------------------------ classifier

    private static final String[][] WORDS = {
        {"payment", "charge", "refund", "transfer", "invoice", "payout", "billing", "withdraw"},
        {"delete", "drop", "purge", "destroy", "remove", "truncate", "wipe", "erase"},
        {"exec", "run", "shell", "deploy", "sql", "eval", "command", "script"}};

    /** The classifier's word rule as it was written before: three passes, every keyword per word. */
    private static RiskCategory referenceByWords(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        RiskCategory[] order = {RiskCategory.FINANCIAL, RiskCategory.DESTRUCTIVE, RiskCategory.EXECUTE};
        for (int list = 0; list < 3; list++) {
            int n = text.length();
            int i = 0;
            while (i < n) {
                while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                    i++;
                }
                int start = i;
                i++;
                while (i < n && Character.isLetterOrDigit(text.charAt(i))
                        && !(Character.isUpperCase(text.charAt(i)) && Character.isLowerCase(text.charAt(i - 1)))) {
                    i++;
                }
                if (start < n) {
                    for (String k : WORDS[list]) {
                        if (i - start >= k.length() && text.regionMatches(true, start, k, 0, k.length())) {
                            return order[list];
                        }
                    }
                }
            }
        }
        return null;
    }

    @Test
    void oneCharacterPassClassifierAgreesWithTheThreePassOne() {
        Random r = new Random(SEED);
        List<String> pieces = new ArrayList<>();
        for (String[] list : WORDS) {
            for (String w : list) {
                pieces.add(w);
                pieces.add(w.toUpperCase());
                pieces.add(Character.toUpperCase(w.charAt(0)) + w.substring(1));
                pieces.add(w.substring(0, w.length() - 1));
            }
        }
        pieces.addAll(List.of(" ", "_", "-", "a", "create", "Get", "x1", "\u017Fcript", "\u212Aey", "\u0130nvoice",
                "\u00e9", "\ud83d\ude00", "ſhell", "DROP", "reRun", "9", ".", "I"));
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(7);
            for (int k = 0; k < n; k++) {
                b.append(pieces.get(r.nextInt(pieces.size())));
                if (r.nextInt(3) == 0) {
                    b.append((char) r.nextInt(0x250));
                }
            }
            String text = b.toString();
            RiskCategory expected = referenceByWords(text);
            assertEquals(expected == null ? RiskCategory.WRITE : expected,
                    RiskCategory.classify(new ToolInfo(text, null, null, null)), text);
            assertEquals(expected == null ? RiskCategory.WRITE : expected,
                    RiskCategory.classify(new ToolInfo("x", text, null, null)), text);
        }
    }

    // ------------------------------------------------------------ clock

    @Test
    void hourAndWeekdayMatchJavaTime() {
        Random r = new Random(SEED);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.EPOCH.minusSeconds(1), Instant.MIN,
                Instant.MAX, Instant.parse("2026-03-02T23:59:59.999Z"), Instant.parse("1969-12-28T00:00:00Z")));
        for (int i = 0; i < 100_000; i++) {
            instants.add(Instant.ofEpochSecond(r.nextLong() % 400_000_000_000L, r.nextInt(1_000_000_000)));
        }
        long maxSecond = java.time.LocalDate.MAX.toEpochDay() * 86_400L + 86_399L;
        long minSecond = java.time.LocalDate.MIN.toEpochDay() * 86_400L;
        for (long s : new long[] {maxSecond, maxSecond + 1, minSecond, minSecond - 1}) {
            instants.add(Instant.ofEpochSecond(s));
        }
        for (Instant t : instants) {
            Path.Eval ctx = new Path.Eval(null, "t", null, null, t);
            ZonedDateTime utc;
            try {
                utc = t.atZone(ZoneOffset.UTC);
            } catch (java.time.DateTimeException e) {
                assertThrows(java.time.DateTimeException.class, ctx::hourUtc, t::toString);
                assertThrows(java.time.DateTimeException.class, ctx::weekdayUtc, t::toString);
                continue;
            }
            assertEquals(utc.getHour(), ctx.hourUtc(), t::toString);
            assertEquals(utc.getDayOfWeek().getValue(), ctx.weekdayUtc(), t::toString);
        }
        assertEquals(DayOfWeek.THURSDAY.getValue(), new Path.Eval(null, "t", null, null, Instant.EPOCH).weekdayUtc());
    }
}
