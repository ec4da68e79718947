package io.warden.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/** MCP protocol revisions, eras, and the modern era's routing headers. Pure. */
public final class Protocol {

    public static final String MODERN = "2026-07-28";
    /** What a legacy request without MCP-Protocol-Version is assumed to speak. */
    public static final String LEGACY_DEFAULT = "2025-03-26";
    public static final List<String> LEGACY = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    public static final Set<String> KNOWN = Set.of(MODERN, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    public static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
    public static final String H_VERSION = "MCP-Protocol-Version";
    public static final String H_METHOD = "Mcp-Method";
    public static final String H_NAME = "Mcp-Name";
    public static final String H_SESSION = "Mcp-Session-Id";

    /** Methods that carry the Mcp-Name header in the modern era. */
    public static final Set<String> NAMED = Set.of("tools/call", "resources/read", "prompts/get");

    /** Lifecycle methods no policy can block. */
    public static final Set<String> LIFECYCLE = Set.of("initialize", "ping", "server/discover");

    private Protocol() {}

    public enum Era {
        LEGACY("legacy"), MODERN("modern"), HTTP_SSE("http+sse");

        public final String wire;

        Era(String wire) {
            this.wire = wire;
        }
    }

    /** The per-request protocol version a modern request carries in {@code params._meta}, else null. */
    public static String metaVersion(JsonRpc.Message m) {
        JsonNode meta = m.meta();
        JsonNode v = meta == null ? null : meta.get(META_VERSION);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /**
     * A request is modern when its body says so, or when its header names 2026-07-28 or later. Legacy
     * messages never carry the per-request {@code _meta} version.
     */
    public static boolean isModern(JsonRpc.Message m, String headerVersion) {
        return metaVersion(m) != null || (headerVersion != null && headerVersion.compareTo(MODERN) >= 0);
    }

    /** Decodes the {@code =?base64?…?=} sentinel used for header values that are not safe ASCII. */
    public static String decodeHeader(String value) {
        if (value != null && value.startsWith("=?base64?") && value.endsWith("?=")) {
            try {
                return new String(Base64.getDecoder().decode(value.substring(9, value.length() - 2)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return value;
    }
}
