package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.UpstreamJson;
import io.warden.gateway.policy.HiddenTools.Action;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class HiddenToolsTest {

    /** Stands for the policy: removes every tool named "secret", and records which messages it saw. */
    private final List<JsonNode> filtered = new ArrayList<>();
    private final Predicate<ObjectNode> filter = m -> {
        filtered.add(m);
        ArrayNode tools = (ArrayNode) m.get("result").get("tools");
        for (int i = tools.size() - 1; i >= 0; i--) {
            if ("secret".equals(tools.get(i).path("name").asText())) {
                tools.remove(i);
            }
        }
        return true;
    };

    private Action check(String text, JsonNode toolListId) {
        UpstreamJson.Read read = UpstreamJson.read(text.getBytes(StandardCharsets.UTF_8));
        assertNotNull(read, text);
        return HiddenTools.filter(read.tree(), read.exact(), toolListId, filter);
    }

    @Test
    void aToolListIsFilteredAndRewrittenWhicheverRequestItAnswers() {
        String text = "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{\"tools\":[{\"name\":\"secret\"},{\"name\":\"echo\"}]}}";
        UpstreamJson.Read read = UpstreamJson.read(text);
        assertEquals(Action.REWRITE, HiddenTools.filter(read.tree(), read.exact(), null, filter));
        assertEquals("[{\"name\":\"echo\"}]", read.tree().at("/result/tools").toString());
        assertEquals(Action.REWRITE, check("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}", null),
                "even when nothing was removed: the client gets the tree that was judged, never the upstream's bytes");
    }

    @Test
    void everyAnswerOfABatchIsFiltered() {
        UpstreamJson.Read read = UpstreamJson.read("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"secret\"}]}}]");
        assertEquals(Action.REWRITE, HiddenTools.filter(read.tree(), read.exact(), null, filter));
        assertEquals(0, read.tree().at("/1/result/tools").size());
        assertNull(read.message(), "an array is no JSON-RPC message for the hooks");
    }

    @Test
    void duplicateOrTrailingContentIsNeverPassedAsItCame() {
        String first = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"secret\"}]},\"result\":{\"tools\":[]}}";
        UpstreamJson.Read dup = UpstreamJson.read(first);
        assertFalse(dup.exact());
        assertEquals(Action.REWRITE, HiddenTools.filter(dup.tree(), dup.exact(), null, filter));
        assertFalse(dup.tree().toString().contains("secret"), dup.tree().toString());
        assertEquals(Action.REWRITE, check("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} {\"result\":{\"tools\":[{\"name\":\"secret\"}]}}",
                null), "what follows the message goes nowhere");
        assertEquals(Action.REWRITE, check("{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", null));
        assertEquals(Action.PASS, check("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[]}}", null));
        assertEquals(Action.PASS, check("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}", null));
        assertTrue(filtered.size() >= 1);
    }

    @Test
    void aToolListUnderAnotherSpellingOrShapeIsRefused() {
        for (String s : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"Tools\":[{\"name\":\"secret\"}]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tool\u017f\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"Result\":{\"tools\":[]}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":{\"secret\":{}}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":null}}",
                "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"TOOLS\":[]}}]")) {
            assertEquals(Action.REFUSE, check(s, null), s);
        }
    }

    @Test
    void theAnswerToAToolsListMustBeAToolListOrAnError() {
        IntNode id = IntNode.valueOf(5);
        assertEquals(Action.REFUSE, check("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", id));
        assertEquals(Action.REFUSE, check("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":[]}", id));
        assertEquals(Action.PASS, check("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32603,\"message\":\"x\"}}", id));
        assertEquals(Action.REWRITE, check("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"tools\":[]}}", id));
        assertEquals(Action.PASS, check("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}", id),
                "other messages on the answer's stream are not the answer");
        assertEquals(Action.PASS, check("{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}", id));
    }

    @Test
    void textNoReaderHereAcceptsIsRefusedWhenItMightStillHoldAToolList() {
        assertNull(UpstreamJson.read("{'jsonrpc':'2.0','id':1,'result':{'tools':[]}}"));
        assertEquals(Action.REFUSE, HiddenTools.unreadable("{'jsonrpc':'2.0','id':1,'result':{'tools':[]}}", false));
        assertEquals(Action.REFUSE, HiddenTools.unreadable("{result:{TOOLS:[]}, x: NaN}", false));
        assertEquals(Action.REFUSE, HiddenTools.unreadable("{\"result\":{\"t\\u006fols\":[]},}", false));
        assertEquals(Action.REFUSE, HiddenTools.unreadable("{result:{tool\u017f:[]}}", false));
        assertEquals(Action.PASS, HiddenTools.unreadable("Not Found", false));
        assertEquals(Action.REFUSE, HiddenTools.unreadable("Not Found", true), "a tools/list answer must be readable");
    }

    @Test
    void upstreamJsonReadsExactTextAsExact() {
        assertTrue(UpstreamJson.read("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}").exact());
        assertEquals(JsonRpc.NODES.numberNode(1), UpstreamJson.read("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}").message().id());
        assertNull(UpstreamJson.read(""));
        assertNull(UpstreamJson.read("<html>"));
        byte[] utf16 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}".getBytes(StandardCharsets.UTF_16BE);
        assertNull(UpstreamJson.read(utf16), "upstream bytes are UTF-8");
        assertEquals(Action.REFUSE, HiddenTools.unreadable(new String(utf16, StandardCharsets.UTF_8), false),
                "a client that reads UTF-16 would find a tool list: refused");
        byte[] invalidUtf8 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"ab\"}}".getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 5] = (byte) 0xC3;
        assertNotNull(UpstreamJson.read(invalidUtf8).message(), "a stray invalid byte is read with replacement, as before");
    }
}
