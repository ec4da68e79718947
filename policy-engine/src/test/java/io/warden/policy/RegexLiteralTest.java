package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The plain-text fast path answers exactly what RE2/J's {@code find()} answers. */
class RegexLiteralTest {
    private static final long SEED = Long.getLong("policy.seed", 777L);

    @Test
    void onlyPlainTextQualifies() {
        for (String p : new String[] {"abc", "^abc", "abc$", "^abc$", "", "^", "$", "^$", "a\\.b", "\\$", "^\\^x\\$$",
            "a-b/c", "drop table", "a\\\\b", "@example\\.com", "ord_"}) {
            assertNotNull(RegexLiteral.of(p), p);
        }
        for (String p : new String[] {"a.b", "a*", "a+", "a?", "(a)", "a|b", "[a]", "a{2}", "\\d", "\\bx", "\\Qa\\E",
            "x^", "a$b", "$$", "\\", "\u00e9", "a\tb", "(?i)abc", "\\x41", "\\n", "\\pL"}) {
            assertNull(RegexLiteral.of(p), p);
        }
    }

    @Test
    void agreesWithRe2j() {
        List<String> patterns = new ArrayList<>(List.of("abc", "^abc", "abc$", "^abc$", "", "^", "$", "^$", "a\\.b",
            "\\$", "^\\^x\\$$", "a-b/c", "a\\\\b", "\\(x\\)", "\\[\\]\\{\\}\\|\\?\\*\\+", "@example.com$", "^ord_",
            " ", "^ ", "a b", "\\-", "\\/"));
        Random r = new Random(SEED);
        String alphabet = "ab.^$\\-/ ";
        for (int i = 0; i < 3000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(6);
            for (int k = 0; k < n; k++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            patterns.add(b.toString());
        }
        List<String> texts = new ArrayList<>(List.of("", "abc", "xabc", "abcx", "abc\n", "\nabc", "a.b", "axb", "$",
            "^x$", "a\\b", "(x)", "[]{}|?*+", "me@example.com", "me@example.com\n", "ord_1", "a-b/c", " ", "\r\n",
            "ab\u2028", "\ud83d\ude00abc", "abc\ud800", "\udc00$"));
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(8);
            for (int k = 0; k < n; k++) {
                int pick = r.nextInt(10);
                b.append(pick < 7 ? "ab.^$\\-/ \n".charAt(r.nextInt(10)) : (char) r.nextInt(0x10000));
            }
            texts.add(b.toString());
        }
        int literalPatterns = 0;
        for (String p : patterns) {
            Pattern compiled;
            try {
                compiled = Pattern.compile(p);
            } catch (RuntimeException e) {
                continue;
            }
            RegexLiteral literal = RegexLiteral.of(p);
            if (literal == null) {
                continue;
            }
            literalPatterns++;
            for (String t : texts) {
                assertEquals(compiled.matcher(t).find(), literal.find(t), () -> "/" + p + "/ on \"" + t + "\"");
            }
        }
        assertEquals(true, literalPatterns > 500, "too few plain-text patterns generated: " + literalPatterns);
    }

    @Test
    void conditionsUseItAndStayTypeSafe() {
        CompiledPolicy p = EvaluationTest.compile("""
            {'version':'1','default':'deny','tools':{'send':{'deny_if':[{'conditions':[
              {'path':'args.to','op':'regex','value':'@evil\\\\.com$'}]}]}}}
            """);
        assertEquals(Outcome.DENY, EvaluationTest.call(p, "send", "{'to':'x@evil.com'}").outcome());
        assertEquals(Outcome.ALLOW, EvaluationTest.call(p, "send", "{'to':'x@evil.com\\\\n'}").outcome());
        assertEquals(Outcome.ALLOW, EvaluationTest.call(p, "send", "{'to':'x@evilxcom'}").outcome());
        assertEquals(Outcome.DENY, EvaluationTest.call(p, "send", "{'to':['x@evil.com']}").outcome());
    }
}
