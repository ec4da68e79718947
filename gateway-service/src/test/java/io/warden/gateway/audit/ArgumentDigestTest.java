package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArgumentDigestTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ArgumentDigest DIGEST = ArgumentDigest.withKey(KEY);

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ---- RFC 8785 -----------------------------------------------------------------------------------

    /** RFC 8785, appendix B: IEEE-754 doubles (as bit patterns) and their canonical text. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0000000000000000, 0",
            "8000000000000000, 0",
            "0000000000000001, 5e-324",
            "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308",
            "ffefffffffffffff, -1.7976931348623157e+308",
            "4340000000000000, 9007199254740992",
            "c340000000000000, -9007199254740992",
            "4430000000000000, 295147905179352830000",
            "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23",
            "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000",
            "444b1ae4d6e2ef4f, 999999999999999900000",
            "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
            "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332",
            "41b3de4355555554, 333333333.33333325",
            "41b3de4355555555, 333333333.3333333",
            "41b3de4355555556, 333333333.3333334",
            "41b3de4355555557, 333333333.33333343",
            "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2",
            // Beyond the appendix, as Node's Number#toString writes them: subnormals, the smallest normal, short decimals.
            "0000000000000002, 1e-323",
            "000fffffffffffff, 2.225073858507201e-308",
            "0010000000000000, 2.2250738585072014e-308",
            "3fb999999999999a, 0.1",
            "4059000000000000, 100",
            "3ff0000000000001, 1.0000000000000002",
    })
    void numbersAreWrittenAsRfc8785AppendixBSays(String bits, String expected) {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        assertEquals(expected, ArgumentDigest.canonical(JsonNodeFactory.instance.numberNode(d)));
    }

    /** RFC 8785, section 3.2.2: whitespace, number spellings, escapes, member order. */
    @Test
    void rfc8785SampleIsCanonicalisedExactly() {
        JsonNode input = json("""
                {
                  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
                  "literals": [null, true, false]
                }""");

        assertEquals("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", ArgumentDigest.canonical(input));
    }

    /** RFC 8785, section 3.2.3: members sorted by UTF-16 code units (the emoji's surrogates sort before U+FB33). */
    @Test
    void membersAreSortedByUtf16CodeUnits() {
        JsonNode input = json("""
                {"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
                 "\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}""");

        List<String> order = List.of("\\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33");
        String canonical = ArgumentDigest.canonical(input);
        int last = -1;
        for (String key : order) {
            int at = canonical.indexOf("\"" + key + "\":");
            assertTrue(at > last, key + " after the previous key in " + canonical);
            last = at;
        }
    }

    // ---- the digest ---------------------------------------------------------------------------------

    @Test
    void digestIsHmacSha256OfTheCanonicalUtf8UnderTheKey() throws Exception {
        JsonNode args = json("{\"path\":\"/tmp/ü\",\"lines\":[3,4.0]}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        byte[] expected = mac.doFinal("{\"lines\":[3,4],\"path\":\"/tmp/ü\"}".getBytes(StandardCharsets.UTF_8));

        assertEquals("hmac-sha256:" + HexFormat.of().formatHex(expected), DIGEST.of(args));
    }

    @Test
    void theDigestDependsOnTheKeySoGuessesCannotBeHashedWithoutIt() {
        JsonNode yes = json("{\"confirm\":true}");
        ArgumentDigest other = ArgumentDigest.withKey("another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII));

        assertNotEquals(DIGEST.of(yes), other.of(yes));
        assertNotEquals(DIGEST.keyId(), other.keyId());
        assertNotEquals(DIGEST.of(yes), ArgumentDigest.ephemeral().of(yes));
        assertEquals(DIGEST.of(yes), ArgumentDigest.withKey(KEY.clone()).of(yes), "the same key, the same digest");
        assertEquals(DIGEST.keyId(), ArgumentDigest.withKey(KEY.clone()).keyId());
        assertTrue(DIGEST.keyId().matches("[0-9a-f]{8}"), DIGEST.keyId());
    }

    @Test
    void sameArgumentsInAnyKeyOrderAndNumberSpellingGiveTheSameDigest() throws Exception {
        String a = DIGEST.of(json("{\"owner\":\"acme\",\"n\":1,\"opts\":{\"force\":true,\"depth\":[1,{\"b\":2,\"a\":1.50}]}}"));
        String b = DIGEST.of(json("{ \"opts\": {\"depth\": [1.0, {\"a\": 15e-1, \"b\": 2}], \"force\": true}, \"n\": 1e0,\n \"owner\": \"acme\" }"));
        String c = DIGEST.of(MAPPER.copy().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .readTree("{\"n\":1.000,\"owner\":\"acme\",\"opts\":{\"depth\":[1,{\"a\":1.5,\"b\":2.0}],\"force\":true}}"));

        assertEquals(a, b);
        assertEquals(a, c);
        assertTrue(a.matches("hmac-sha256:[0-9a-f]{64}"), a);
        assertEquals(DIGEST.of(json("{\"n\":1}")), DIGEST.of(JsonNodeFactory.instance.objectNode().put("n", 1.0f)));
        assertEquals(DIGEST.of(json("{\"n\":1}")), DIGEST.of(JsonNodeFactory.instance.objectNode().put("n", 1L)));
    }

    @Test
    void differentValuesGiveDifferentDigests() {
        String base = DIGEST.of(json("{\"amount\":100,\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}"));

        assertNotEquals(base, DIGEST.of(json("{\"amount\":101,\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(base, DIGEST.of(json("{\"amount\":\"100\",\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(base, DIGEST.of(json("{\"amount\":100,\"to\":\"alice\",\"tags\":[\"b\",\"a\"]}")));
        assertNotEquals(base, DIGEST.of(json("{\"amount\":100,\"to\":\"bob\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(DIGEST.of(json("{\"a\":null}")), DIGEST.of(json("{}")));
        assertNotEquals(DIGEST.of(json("{\"s\":\"\\ud800\"}")), DIGEST.of(json("{\"s\":\"?\"}")),
                "a lone surrogate is not confused with what UTF-8 would replace it by");
    }

    @Test
    void integersBeyondTwoToThe53AreTheirNearestDouble() {
        assertEquals("9007199254740992", ArgumentDigest.canonical(JsonNodeFactory.instance.numberNode(9007199254740993L)));
        assertEquals("-9223372036854776000", ArgumentDigest.canonical(JsonNodeFactory.instance.numberNode(Long.MIN_VALUE)));
        assertEquals("12345678901234567000", ArgumentDigest.canonical(json("12345678901234567890")));
        assertEquals("1e+21", ArgumentDigest.canonical(json("1000000000000000000000")));
    }

    @Test
    void hugeExponentStaysShort() throws Exception {
        ObjectMapper decimals = MAPPER.copy().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode args = decimals.readTree("{\"n\":1e999999999}");

        String canonical = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> ArgumentDigest.canonical(args));
        assertEquals("{\"n\":1E+999999999}", canonical);
    }

    @Test
    void noArgumentsGiveNoDigest() {
        assertNull(DIGEST.of(null));
        assertNull(DIGEST.of(MissingNode.getInstance()));
        assertNull(DIGEST.of(json("null")));
    }

    @Test
    void keysAreTheSortedTopLevelNamesOnly() {
        assertEquals(List.of("Amount", "a", "b", "z"), ArgumentDigest.keys(json("{\"z\":1,\"b\":{\"inner\":2},\"a\":3,\"Amount\":4}")));
        assertEquals(List.of(), ArgumentDigest.keys(json("[1,2]")));
        assertEquals(List.of(), ArgumentDigest.keys(json("{}")));
        assertEquals(List.of(), ArgumentDigest.keys(null));
    }

    // ---- the key --------------------------------------------------------------------------------------

    @Test
    void configuredKeysAreBase64OfAtLeast32BytesAndNeverShown() {
        String key = ArgumentDigest.generateKey();
        ArgumentDigest d = ArgumentDigest.withBase64Key(key);
        String urlSafe = Base64.getUrlEncoder().encodeToString(Base64.getDecoder().decode(key));

        assertEquals(d.keyId(), ArgumentDigest.withBase64Key(urlSafe).keyId(), "either base64 alphabet");
        assertFalse(d.toString().contains(key));
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> ArgumentDigest.withBase64Key(Base64.getEncoder().encodeToString(new byte[16])));
        assertTrue(shortKey.getMessage().contains("at least 32 bytes"), shortKey.getMessage());
        IllegalArgumentException notBase64 = assertThrows(IllegalArgumentException.class,
                () -> ArgumentDigest.withBase64Key("not base64 at all!"));
        assertFalse(notBase64.getMessage().contains("not base64 at all"), "the message never repeats the key");
        assertThrows(IllegalArgumentException.class, () -> ArgumentDigest.withKey(new byte[31]));
    }
}
