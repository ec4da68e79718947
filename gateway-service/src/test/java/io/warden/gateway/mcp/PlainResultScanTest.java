package io.warden.gateway.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlainResultScanTest {

    private static final List<String> PLAIN = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"isError\":false}}",
            "{\"result\":{},\"id\":\"a-1\",\"jsonrpc\":\"2.0\"}",
            "\r\n\t {\"jsonrpc\" : \"2.0\" , \"id\" : -12 , \"result\" : [ 1 , -0.5e+3 , 0 , 2E-7 , true , false , null , \"\" ] } \n",
            "{\"jsonrpc\":\"2.0\",\"id\":2147483648,\"result\":null}",
            "{\"jsonrpc\":\"2.0\",\"result\":{\"method\":\"nested, not top level\",\"error\":1,\"params\":[]}}",
            "{\"jsonrpc\":\"1.0\",\"jsonrpc\":\"2.0\",\"id\":1,\"id\":\"last\",\"result\":{}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"caf\u00e9 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t \u2028\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"deep\":[[[[[[[[[[{}]]]]]]]]]]},\"_meta\":{\"k\":\"v\"}}");

    /** Results one edit away from a tool list: the mutations below turn them into one now and then. */
    private static final List<String> NEAR_TOOLS = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"toolz\":[{\"name\":\"delete_account\"}],\"nextCursor\":\"2\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[]},\"resul\":{\"tools\":[]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"tool\":[],\"meta\":{\"tools\":[]}}}");

    private static final String[] TOOLS_MEMBERS = {"\"tools\":[],", "\"Tools\":[{}],", "\"tool\u017f\":[],",
        "\"t\\u006fols\":[],", "\"tools\":{},", "\"TOOLS\":null,", "\"tools\" : [ ] ,"};

    private static JsonRpc.PlainResult scan(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return JsonRpc.plainResult(b, 0, b.length);
    }

    @Test
    void plainResultsAreRecognisedWithTheIdTheFullParseGives() {
        for (String s : PLAIN) {
            JsonRpc.PlainResult plain = scan(s);
            JsonRpc.Message full = JsonRpc.parseUpstream(s);
            assertNotNull(plain, s);
            assertNotNull(full, s);
            assertEquals(full.id(), plain.id(), s);
        }
        assertEquals(JsonRpc.NODES.numberNode(2147483648L), scan(PLAIN.get(3)).id(), "past int: a long, as Jackson types it");
        assertEquals(JsonRpc.NODES.numberNode(-12), scan(PLAIN.get(2)).id());
        assertNull(scan(PLAIN.get(4)).id(), "no id");
    }

    @Test
    void whatItIsUnsureOfIsLeftToTheFullParse() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"\\u0065rror\":{\"code\":1,\"message\":\"escaped name\"},\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"i\\u0064\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2\\u002e0\",\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"caf\u00e9\",\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1234567890123456789,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1e3,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + "[".repeat(PlainResultScan.MAX_DEPTH + 1)
                        + "]".repeat(PlainResultScan.MAX_DEPTH + 1) + "}",
                "\uFEFF{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}")) {
            assertNull(scan(s), s);
        }
    }

    @Test
    void notPlainResultsAndBrokenJsonAreDeclined() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"Unknown tool\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":null}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1}", "{\"id\":1,\"result\":{}}", "{\"jsonrpc\":2.0,\"id\":1,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", "{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":}}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"open}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,]}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":1,}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":01}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1.}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":.5}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":+1}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":NaN}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":tru}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"tab\there\"}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\\x\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\\u12G4\"}", "{'jsonrpc':'2.0','id':1,'result':{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}/*c*/}", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]",
                "{}", "\"text\"", "", "   ", "not json")) {
            assertNull(scan(s), s);
            assertNull(JsonRpc.plainResult(s), s);
        }
    }

    @Test
    void aResultWithToolsIsNeverPlainWhateverItAnswers() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tools\":[{\"name\":\"delete_account\"}]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[],\"tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tools\":null}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{},\"result\":{\"tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tools\":[]},\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"Tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"TOOLS\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"t\\u006fols\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tool\u017f\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{},\"Result\":{\"tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{},\"re\u017fult\":{\"tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"ID\":8,\"id\":7,\"result\":{}}")) {
            assertNull(scan(s), s);
        }
        assertNotNull(scan("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"tools\":[]}],\"meta\":{\"tools\":1}}}"),
                "tools deeper than the result's own members is no tool list: the common case stays fast");
    }

    @Test
    void onlyUtf8TextIsRead() {
        String s = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
        byte[] utf16 = s.getBytes(StandardCharsets.UTF_16LE);
        assertNull(JsonRpc.plainResult(utf16, 0, utf16.length));
        byte[] padded = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
        assertNotNull(JsonRpc.plainResult(padded, 2, s.length()), "an offset and length select the message");
        byte[] invalidUtf8 = s.replace("{}", "\"ab\"").getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 4] = (byte) 0xC3; // "a" becomes a lone lead byte: read with replacement
        assertNotNull(JsonRpc.plainResult(invalidUtf8, 0, invalidUtf8.length));
        assertNotNull(JsonRpc.parseUpstream(new String(invalidUtf8, StandardCharsets.UTF_8)));
    }

    /**
     * The property that matters: whenever the scan accepts a message, the full parse of the same text (as the relay reads
     * it: UTF-8 with replacement) accepts it as a response with the same id and no error, method or params. Checked on
     * many random mutations of plain results.
     */
    @Test
    void everyMessageTheScanAcceptsTheFullParseAcceptsTheSame() {
        String alphabet = "{}[]:,\"\\ \t\n0123456789-+.eEaurtnlsfidxU/";
        String[] words = {"\"error\"", "\"method\"", "\"params\"", "\"id\"", "\"jsonrpc\"", "\"2.0\"", "\"result\"",
            "null", "true", "\\u0065", "\u00e9", "\u0001", "\uFEFF", "1e5", "-0", "99999999999",
            "\"tools\"", "\"Tools\"", "\"tool\u017f\"", "\"t\\u006fols\"", "\"Result\"", "s", "{\"tools\":[]}", ",\"tools\":[]"};
        List<String> seeds = new java.util.ArrayList<>(PLAIN);
        seeds.addAll(NEAR_TOOLS);
        Random random = new Random(2026);
        int accepted = 0;
        int toolListsDeclined = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                int at = random.nextInt(s.length() + 1);
                switch (random.nextInt(5)) {
                    case 4 -> { // a member spelled like tools straight inside a result, if there is one
                        int result = s.indexOf("result\":{");
                        if (result >= 0) {
                            s.insert(result + 9, TOOLS_MEMBERS[random.nextInt(TOOLS_MEMBERS.length)]);
                        }
                    }
                    case 0 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> s.insert(at, words[random.nextInt(words.length)]);
                    case 2 -> {
                        if (at < s.length()) {
                            s.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < s.length()) {
                            s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        }
                    }
                }
            }
            String text = s.toString();
            JsonRpc.PlainResult plain = scan(text);
            if (plain == null) {
                JsonRpc.Message full = JsonRpc.parseUpstream(text);
                toolListsDeclined += full != null && carriesToolList(full.raw()) ? 1 : 0;
                continue;
            }
            accepted++;
            JsonRpc.Message full = JsonRpc.parseUpstream(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            assertNotNull(full, text);
            assertTrue(full.isResponse(), text);
            assertFalse(full.raw().has("error") || full.raw().has("method") || full.raw().has("params"), text);
            assertEquals(full.id(), plain.id(), text);
            assertEquals(plain.id(), JsonRpc.plainResult(text).id(), text);
            assertFalse(carriesToolList(full.raw()), "a tool list must never pass unfiltered: " + text);
        }
        assertTrue(accepted > 10_000, "the mutations should leave many plain results: " + accepted);
        assertTrue(toolListsDeclined > 1_000, "the mutations should make many tool lists: " + toolListsDeclined);
    }

    /** Any member like "result" holding a member like "tools", as a case-insensitive reader would see them. */
    private static boolean carriesToolList(com.fasterxml.jackson.databind.JsonNode message) {
        for (var it = message.fields(); it.hasNext(); ) {
            var member = it.next();
            if (folded(member.getKey()).equals("result") && member.getValue().isObject()) {
                for (var names = member.getValue().fieldNames(); names.hasNext(); ) {
                    if (folded(names.next()).equals("tools")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String folded(String name) {
        return name.replace('\u017f', 's').toLowerCase(java.util.Locale.ROOT);
    }
}
