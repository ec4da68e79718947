package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bucket keys must not change: the direct writer of {@link KeyText} gives exactly the text
 * {@code JsonNode.toString()} (Jackson) gives, for every kind of value.
 */
class KeyTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = Long.getLong("policy.seed", 20260303L);

    private static void same(JsonNode v) {
        StringBuilder b = new StringBuilder("x|");
        KeyText.append(b, v);
        assertEquals("x|" + v.toString(), b.toString(), () -> "value of type " + v.getNodeType());
    }

    @Test
    void everySingleCharacterIsWrittenAsJacksonWritesIt() {
        for (int c = 0; c <= 0xFFFF; c++) {
            same(TextNode.valueOf(String.valueOf((char) c)));
            same(TextNode.valueOf("a" + (char) c + "b"));
        }
    }

    @Test
    void stringsWithEscapesUnicodeAndSurrogates() {
        String[] samples = {"", "cus_8f3KqZ21LmX", "quote\"back\\slash", "tab\tnl\nret\rff\fbs\b", "\u0000\u001f\u007f",
            "slash/ok", "caf\u00e9", "\u65e5\u672c\u8a9e", "emoji \ud83d\ude00 ok", "lone \ud83d high", "lone \ude00 low",
            "\u2028\u2029", "\ufeffbom", "<script>&amp;</script>", "'single'", "\\u0041 literal"};
        for (String s : samples) {
            same(TextNode.valueOf(s));
        }
        Random random = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(40);
            for (int k = 0; k < n; k++) {
                switch (random.nextInt(4)) {
                    case 0:
                        b.append((char) random.nextInt(0x80));
                        break;
                    case 1:
                        b.append((char) random.nextInt(0x20));
                        break;
                    case 2:
                        b.appendCodePoint(random.nextInt(0x10FFFF + 1));
                        break;
                    default:
                        b.append((char) random.nextInt(0x10000));
                        break;
                }
            }
            same(TextNode.valueOf(b.toString()));
        }
    }

    @Test
    void numbersBooleansAndNull() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonNode> values = new ArrayList<>(List.of(BooleanNode.TRUE, BooleanNode.FALSE, NullNode.getInstance(),
                IntNode.valueOf(0), IntNode.valueOf(-1), IntNode.valueOf(Integer.MAX_VALUE),
                IntNode.valueOf(Integer.MIN_VALUE), LongNode.valueOf(Long.MAX_VALUE), LongNode.valueOf(Long.MIN_VALUE),
                ShortNode.valueOf((short) -7), DoubleNode.valueOf(0.0), DoubleNode.valueOf(-0.0),
                DoubleNode.valueOf(1e300), DoubleNode.valueOf(1.0e-7), DoubleNode.valueOf(2500.5),
                DoubleNode.valueOf(Double.NaN), DoubleNode.valueOf(Double.POSITIVE_INFINITY),
                DoubleNode.valueOf(Double.NEGATIVE_INFINITY), DoubleNode.valueOf(Double.MIN_VALUE),
                FloatNode.valueOf(1.5f), FloatNode.valueOf(Float.NaN), FloatNode.valueOf(3.4e38f),
                DecimalNode.valueOf(new BigDecimal("1.50")), DecimalNode.valueOf(new BigDecimal("1E+400")),
                BigIntegerNode.valueOf(new BigInteger("123456789012345678901234567890")),
                f.objectNode().put("a", 1).put("b", "x\"y"), f.arrayNode().add(1).add("two").add(3.5),
                f.binaryNode(new byte[] {1, 2, 3}), f.pojoNode(Map.of("k", "v"))));
        Random random = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            values.add(IntNode.valueOf(random.nextInt()));
            values.add(LongNode.valueOf(random.nextLong()));
            values.add(DoubleNode.valueOf(Double.longBitsToDouble(random.nextLong())));
            values.add(DoubleNode.valueOf(random.nextDouble() * 1e6));
            values.add(FloatNode.valueOf(Float.intBitsToFloat(random.nextInt())));
        }
        for (JsonNode v : values) {
            same(v);
        }
    }

    @Test
    void parsedJsonValues() throws Exception {
        JsonNode doc = JSON.readTree("""
            {"s":"cus_8f3KqZ21LmX","u":"\\u00e9\\ud83d\\ude00\\u0001","i":42,"n":-9007199254740993,
             "big":123456789012345678901234567890,"d":2500.50,"e":1e-7,"t":true,"z":null,
             "o":{"nested":[1,2,{"x":"y"}]},"a":[]}
            """);
        doc.fields().forEachRemaining(e -> same(e.getValue()));
    }

    /** The whole bucket key, against the text the engine built before the direct writer existed. */
    @Test
    void bucketKeysAreUnchanged() throws Exception {
        CompiledPolicy p = EvaluationTest.compile("""
            {'version':'1','default':'deny','tools':{'t':{'limits':[
              {'counter':'a','window':'minute','max':5,'scope':'grant','key':['args.k','args.missing']},
              {'counter':'b','window':'minute','max':5,'scope':'server','key':'args.k'},
              {'counter':'c','window':'minute','max':5,'scope':'global','key':'args.k'},
              {'counter':'d','window':'minute','max':5,'scope':'global'}]}}}
            """);
        Random random = new Random(SEED);
        List<JsonNode> values = new ArrayList<>();
        for (String json : new String[] {"\"plain\"", "\"q\\\"\\\\\\n\\t\\u0007\"", "\"\u00e9\u65e5\ud83d\ude00\"",
            "12", "-3.25", "1e300", "true", "null", "{\"x\":[1,\"y\"]}", "[1,2,3]"}) {
            values.add(JSON.readTree(json));
        }
        values.add(TextNode.valueOf("x".repeat(126)));
        values.add(TextNode.valueOf("x".repeat(127)));
        values.add(TextNode.valueOf("\u00e9".repeat(200)));
        values.add(TextNode.valueOf("\n".repeat(30)));
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(160);
            for (int k = 0; k < n; k++) {
                b.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000)));
            }
            values.add(TextNode.valueOf(b.toString()));
        }
        Subject[] subjects = {EvaluationTest.ALICE, null, new Subject(null, null, null, null, null)};
        for (JsonNode v : values) {
            for (Subject s : subjects) {
                JsonNode args = JSON.createObjectNode().set("k", v);
                Decision d = p.evaluateCall(new CallContext(s, "t", args, null, EvaluationTest.NOON_MONDAY));
                String grant = s == null || s.grantId() == null ? "-" : s.grantId();
                String server = s == null || s.serverId() == null ? "-" : s.serverId();
                String part = oldKeyPart(v);
                assertEquals(List.of("a|grant|" + grant + "|" + part + "|-", "b|server|" + server + "|" + part,
                        "c|global|" + part, "d|global"), d.limits().stream().map(LimitCharge::key).toList());
            }
        }
    }

    /** The key part as the engine wrote it before: Jackson's text, or a digest past 128 characters. */
    private static String oldKeyPart(JsonNode v) throws Exception {
        String text = v.toString();
        if (text.length() <= 128) {
            return text;
        }
        byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder("#");
        for (int i = 0; i < 16; i++) {
            b.append(Character.forDigit((hash[i] >> 4) & 0xf, 16)).append(Character.forDigit(hash[i] & 0xf, 16));
        }
        return b.toString();
    }
}
