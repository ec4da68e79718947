package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentDigestTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sameArgumentsInAnyKeyOrderGiveTheSameDigest() {
        String a = ArgumentDigest.of(json("{\"owner\":\"acme\",\"repo\":\"x\",\"opts\":{\"force\":true,\"depth\":[1,{\"b\":2,\"a\":1}]}}"));
        String b = ArgumentDigest.of(json("{ \"opts\": {\"depth\": [1, {\"a\": 1, \"b\": 2}], \"force\": true}, \"repo\": \"x\",\n \"owner\": \"acme\" }"));

        assertEquals(a, b);
        assertTrue(a.matches("sha256:[0-9a-f]{64}"), a);
    }

    @Test
    void differentValuesGiveDifferentDigests() {
        String base = ArgumentDigest.of(json("{\"amount\":100,\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}"));

        assertNotEquals(base, ArgumentDigest.of(json("{\"amount\":101,\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(base, ArgumentDigest.of(json("{\"amount\":\"100\",\"to\":\"alice\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(base, ArgumentDigest.of(json("{\"amount\":100,\"to\":\"alice\",\"tags\":[\"b\",\"a\"]}")));
        assertNotEquals(base, ArgumentDigest.of(json("{\"amount\":100,\"to\":\"bob\",\"tags\":[\"a\",\"b\"]}")));
        assertNotEquals(ArgumentDigest.of(json("{\"a\":null}")), ArgumentDigest.of(json("{}")));
    }

    @Test
    void canonicalFormIsCompactSortedAndNormalisesNumbers() {
        JsonNode args = json("{\"b\":[1,2.50,{\"d\":null,\"c\":\"x\\ny\\u0001\\\"\"}],\"a\":true,\"é\":1000,\"Z\":-0.0}");

        assertEquals("{\"Z\":0,\"a\":true,\"b\":[1,25e-1,{\"c\":\"x\\ny\\u0001\\\"\",\"d\":null}],\"é\":1e3}",
                ArgumentDigest.canonical(args));
    }

    @Test
    void numericallyEqualNumbersDigestAlike() throws Exception {
        String one = ArgumentDigest.of(json("{\"n\":1}"));

        assertEquals(one, ArgumentDigest.of(json("{\"n\":1.0}")));
        assertEquals(one, ArgumentDigest.of(json("{\"n\":1e0}")));
        assertEquals(one, ArgumentDigest.of(JsonNodeFactory.instance.objectNode().put("n", 1L)));
        assertEquals(one, ArgumentDigest.of(JsonNodeFactory.instance.objectNode().put("n", 1.0f)));
        assertEquals(ArgumentDigest.of(json("{\"n\":0.1}")),
                ArgumentDigest.of(MAPPER.copy().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                        .readTree("{\"n\":0.10}")));
    }

    @Test
    void hugeExponentStaysShort() throws Exception {
        ObjectMapper decimals = MAPPER.copy().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode args = decimals.readTree("{\"n\":1e999999999}");

        String canonical = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> ArgumentDigest.canonical(args));
        assertEquals("{\"n\":1e999999999}", canonical);
    }

    @Test
    void digestIsSha256OfTheCanonicalUtf8() throws Exception {
        JsonNode args = json("{\"path\":\"/tmp/ü\",\"lines\":[3,4]}");
        byte[] expected = MessageDigest.getInstance("SHA-256")
                .digest("{\"lines\":[3,4],\"path\":\"/tmp/ü\"}".getBytes(StandardCharsets.UTF_8));

        assertEquals("sha256:" + HexFormat.of().formatHex(expected), ArgumentDigest.of(args));
    }

    @Test
    void noArgumentsGiveNoDigest() {
        assertNull(ArgumentDigest.of(null));
        assertNull(ArgumentDigest.of(MissingNode.getInstance()));
        assertNull(ArgumentDigest.of(json("null")));
    }

    @Test
    void keysAreTheSortedTopLevelNamesOnly() {
        assertEquals(List.of("Amount", "a", "b", "z"), ArgumentDigest.keys(json("{\"z\":1,\"b\":{\"inner\":2},\"a\":3,\"Amount\":4}")));
        assertEquals(List.of(), ArgumentDigest.keys(json("[1,2]")));
        assertEquals(List.of(), ArgumentDigest.keys(json("{}")));
        assertEquals(List.of(), ArgumentDigest.keys(null));
    }
}
