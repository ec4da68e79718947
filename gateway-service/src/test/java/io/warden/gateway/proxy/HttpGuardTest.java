package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpGuardTest {

    private final HttpGuard guard = new HttpGuard(List.of("localhost", "127.0.0.1", "[::1]"), List.of("https://app.example.com"));

    @Test
    void originsOfAllowedHostsAndListedOriginsPass() {
        assertTrue(guard.originAllowed("http://localhost:3000"));
        assertTrue(guard.originAllowed("http://127.0.0.1"));
        assertTrue(guard.originAllowed("https://app.example.com"));
        assertFalse(guard.originAllowed("http://evil.example.com"));
        assertFalse(guard.originAllowed("null"));
    }

    @Test
    void acceptMustListTheType() {
        assertTrue(HttpGuard.accepts("application/json, text/event-stream", "text/event-stream"));
        assertTrue(HttpGuard.accepts("application/json;q=0.9, text/event-stream", "application/json"));
        assertFalse(HttpGuard.accepts("application/json", "text/event-stream"));
        assertFalse(HttpGuard.accepts(null, "application/json"));
    }

    /** The first implementation, split and lower-cased per range; a range of only ';' counts as no match here. */
    private static boolean acceptsBySplitting(String accept, String type) {
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String[] pieces = part.split(";");
            String t = pieces.length == 0 ? "" : pieces[0].trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals(type) || t.equals("*/*") || t.equals(type.substring(0, type.indexOf('/')) + "/*")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void acceptScanningAgreesWithSplitting() {
        String[] pieces = {"application/json", "APPLICATION/*", "text/event-stream", "Text/Event-Stream", "*/*", "text/*",
            "application", "/", "*", ",", ",", ";", ";", " ", "\t", "q=0.9", "json", "\u212A", "\u0130", "x/*", "text/json"};
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(7); n >= 0; n--) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            String accept = b.toString();
            for (String type : new String[] {"application/json", "text/event-stream"}) {
                assertEquals(acceptsBySplitting(accept, type), HttpGuard.accepts(accept, type), () -> accept + " / " + type);
            }
        }
    }

    @Test
    void onlyMcpHeadersTravelUpstream() {
        for (String name : List.of("MCP-Protocol-Version", "mcp-method", "Mcp-Name", "Mcp-Param-Region", "mcp-param-x",
                "Last-Event-ID", "user-agent")) {
            assertTrue(HttpGuard.travelsUpstream(name), name);
        }
        for (String name : List.of("Authorization", "Cookie", "Origin", "Host", "Mcp-Session-Id", "mcp-param", "x-mcp-name",
                "Content-Type", "Accept", "Mcp-Names")) {
            assertFalse(HttpGuard.travelsUpstream(name), name);
        }
    }
}
