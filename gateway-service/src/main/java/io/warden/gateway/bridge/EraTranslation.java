package io.warden.gateway.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The JSON rewriting between the two protocol eras. Pure: no I/O, no state; every method copies
 * before it changes a request, and says whether it changed a response in place.
 *
 * <p>Legacy → modern: a legacy request gets the 2026-07-28 {@code _meta} envelope (version, the client's
 * capabilities and info as recorded at {@code initialize}) and the routing headers; the legacy lifecycle
 * ({@code initialize}, {@code ping}, {@code logging/setLevel}, subscriptions, notifications) is answered by
 * the gateway. Modern → legacy: the envelope is stripped and {@code server/discover} is answered from the
 * upstream's {@code initialize} result.
 */
public final class EraTranslation {

    public static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    public static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    public static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    public static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    /** The newest legacy revision: what a legacy client asking for something unknown is offered. */
    public static final String LATEST_LEGACY = "2025-11-25";
    /** Marks a gateway session whose upstream is modern; the rest of the id is the recorded client. */
    public static final String BRIDGED_PREFIX = "bridge:";

    /** Legacy methods 2026-07-28 removed, answered by the gateway with an empty result. */
    static final Set<String> LOCAL_LEGACY_METHODS = Set.of("ping", "logging/setLevel", "resources/subscribe",
            "resources/unsubscribe");
    /** Results 2026-07-28 requires cache hints on (SEP-2549). */
    static final Set<String> CACHEABLE = Set.of("tools/list", "prompts/list", "resources/list",
            "resources/templates/list", "resources/read", "server/discover");
    private static final Set<String> MODERN_META = Set.of(Protocol.META_VERSION, META_CAPABILITIES, META_CLIENT_INFO,
            META_LOG_LEVEL);
    private static final int MAX_MARKER_BYTES = 900;

    private EraTranslation() {}

    // ---- legacy client, modern upstream ---------------------------------------------------------

    /** The version a legacy client gets: its own when the gateway speaks it, else the newest legacy one. */
    public static String negotiateLegacy(String requested) {
        return requested != null && Protocol.LEGACY.contains(requested) ? requested : LATEST_LEGACY;
    }

    /** What the client told {@code initialize} about itself, kept in its session token. */
    public record BridgedClient(JsonNode capabilities, JsonNode clientInfo) {

        public static BridgedClient of(JsonNode initializeParams) {
            JsonNode p = initializeParams == null ? JsonRpc.NODES.objectNode() : initializeParams;
            JsonNode caps = p.get("capabilities") instanceof ObjectNode o ? o : JsonRpc.NODES.objectNode();
            JsonNode info = p.get("clientInfo") instanceof ObjectNode o ? o : null;
            return new BridgedClient(caps, info);
        }

        /** The session-id payload, small enough for a token field: trimmed when the client sent a lot. */
        public String marker() {
            ObjectNode m = JsonRpc.NODES.objectNode();
            m.set("c", capabilities);
            if (clientInfo != null) {
                m.set("i", clientInfo);
            }
            String s = BRIDGED_PREFIX + m;
            if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_MARKER_BYTES) {
                return s;
            }
            ObjectNode small = JsonRpc.NODES.objectNode();
            ObjectNode caps = small.putObject("c");
            capabilities.fieldNames().forEachRemaining(f -> caps.putObject(f));
            if (clientInfo != null) {
                ObjectNode info = small.putObject("i");
                info.put("name", cut(clientInfo.path("name").asText("client")));
                info.put("version", cut(clientInfo.path("version").asText("0")));
            }
            return BRIDGED_PREFIX + small;
        }

        /** Null when {@code upstreamSessionId} is not a bridged session's marker. */
        public static BridgedClient fromMarker(String upstreamSessionId) {
            if (upstreamSessionId == null || !upstreamSessionId.startsWith(BRIDGED_PREFIX)) {
                return null;
            }
            try {
                JsonNode m = JsonRpc.MAPPER.readTree(upstreamSessionId.substring(BRIDGED_PREFIX.length()));
                return new BridgedClient(m.get("c") instanceof ObjectNode c ? c : JsonRpc.NODES.objectNode(),
                        m.get("i") instanceof ObjectNode i ? i : null);
            } catch (java.io.IOException e) {
                return new BridgedClient(JsonRpc.NODES.objectNode(), null);
            }
        }

        private static String cut(String s) {
            return s.length() > 64 ? s.substring(0, 64) : s;
        }
    }

    /** The InitializeResult the gateway answers from the upstream's {@code server/discover} result. */
    public static ObjectNode initializeResult(JsonNode discover, String negotiatedVersion) {
        ObjectNode r = JsonRpc.NODES.objectNode();
        r.put("protocolVersion", negotiatedVersion);
        r.set("capabilities", withoutChangeNotifications(discover));
        r.set("serverInfo", serverInfo(discover));
        JsonNode instructions = discover == null ? null : discover.get("instructions");
        if (instructions != null && instructions.isTextual()) {
            r.put("instructions", instructions.asText());
        }
        return r;
    }

    /** A copy of a result's capabilities without {@code listChanged}/{@code subscribe}: the bridge cannot deliver them. */
    static ObjectNode withoutChangeNotifications(JsonNode result) {
        ObjectNode caps = result != null && result.get("capabilities") instanceof ObjectNode c ? c.deepCopy()
                : JsonRpc.NODES.objectNode();
        for (Iterator<JsonNode> it = caps.elements(); it.hasNext(); ) {
            if (it.next() instanceof ObjectNode o) {
                o.remove("listChanged");
                o.remove("subscribe");
            }
        }
        return caps;
    }

    private static JsonNode serverInfo(JsonNode discover) {
        if (discover != null && discover.get("serverInfo") instanceof ObjectNode info) {
            return info.deepCopy();
        }
        if (discover != null && discover.path("_meta").get(META_SERVER_INFO) instanceof ObjectNode info) {
            return info.deepCopy();
        }
        ObjectNode unknown = JsonRpc.NODES.objectNode();
        unknown.put("name", "upstream");
        unknown.put("version", "unknown");
        return unknown;
    }

    /** The empty result the gateway gives a legacy method that 2026-07-28 removed, or null when it is not one. */
    public static ObjectNode localLegacyAnswer(JsonRpc.Message m) {
        if (m.isRequest() && LOCAL_LEGACY_METHODS.contains(m.method())) {
            return JsonRpc.result(m.id(), JsonRpc.NODES.objectNode());
        }
        return null;
    }

    /** A copy of a legacy request carrying the 2026-07-28 envelope. */
    public static ObjectNode toModern(ObjectNode request, BridgedClient client) {
        ObjectNode copy = request.deepCopy();
        ObjectNode params = copy.get("params") instanceof ObjectNode p ? p : copy.putObject("params");
        ObjectNode meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
        meta.put(Protocol.META_VERSION, Protocol.MODERN);
        meta.set(META_CAPABILITIES, client.capabilities() == null ? JsonRpc.NODES.objectNode() : client.capabilities().deepCopy());
        if (client.clientInfo() != null) {
            meta.set(META_CLIENT_INFO, client.clientInfo().deepCopy());
        }
        // A legacy server sends log messages at its discretion until the client sets a level; the modern era sends
        // none unless asked. Ask for all, as the legacy default did (logging/setLevel is answered by the gateway).
        if (!meta.has(META_LOG_LEVEL)) {
            meta.put(META_LOG_LEVEL, "debug");
        }
        return copy;
    }

    /** The 2026-07-28 routing headers of a request (values that are not safe ASCII in the base64 sentinel). */
    public static Map<String, String> modernHeaders(JsonRpc.Message m) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(Protocol.H_VERSION, Protocol.MODERN);
        if (m.method() != null) {
            h.put(Protocol.H_METHOD, headerValue(m.method()));
            if (Protocol.NAMED.contains(m.method()) && m.target() != null) {
                h.put(Protocol.H_NAME, headerValue(m.target()));
            }
        }
        return h;
    }

    /**
     * SEP-2243: the arguments a tools/list page declares as headers ({@code "x-mcp-header": "Region"} on a primitive
     * property), as tool name → argument name → header suffix.
     */
    public static Map<String, Map<String, String>> declaredParamHeaders(JsonNode toolsListResult) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        JsonNode tools = toolsListResult == null ? null : toolsListResult.get("tools");
        if (tools == null || !tools.isArray()) {
            return out;
        }
        for (JsonNode tool : tools) {
            Map<String, String> headers = new LinkedHashMap<>();
            JsonNode props = tool.path("inputSchema").path("properties");
            props.fields().forEachRemaining(p -> {
                JsonNode h = p.getValue().get("x-mcp-header");
                if (h != null && h.isTextual() && !h.asText().isBlank()) {
                    headers.put(p.getKey(), h.asText());
                }
            });
            if (tool.path("name").isTextual()) {
                out.put(tool.get("name").asText(), Map.copyOf(headers));
            }
        }
        return out;
    }

    /** The {@code Mcp-Param-*} headers a modern client would send for these arguments of a tool declaring them. */
    public static Map<String, String> paramHeaders(Map<String, String> declared, JsonNode arguments) {
        Map<String, String> out = new LinkedHashMap<>();
        if (declared == null || arguments == null || !arguments.isObject()) {
            return out;
        }
        declared.forEach((arg, header) -> {
            JsonNode v = arguments.get(arg);
            if (v != null && v.isValueNode() && !v.isNull()) {
                out.put("Mcp-Param-" + header, headerValue(v.asText()));
            }
        });
        return out;
    }

    static String headerValue(String v) {
        boolean safe = !v.isEmpty() && v.charAt(0) != ' ' && v.charAt(v.length() - 1) != ' ';
        for (int i = 0; safe && i < v.length(); i++) {
            char c = v.charAt(i);
            safe = c >= 0x20 && c <= 0x7E;
        }
        return safe ? v : "=?base64?" + Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /**
     * Rewrites a modern upstream response for a legacy client, in place. A result that asks the client
     * for input ({@code input_required}, MRTR) has no legacy form: it becomes a JSON-RPC error saying so.
     * Returns true when the response changed.
     */
    public static boolean toLegacyResponse(ObjectNode response) {
        if (!(response.get("result") instanceof ObjectNode result)) {
            return false;
        }
        String type = result.path("resultType").asText("complete");
        if ("input_required".equals(type)) {
            ObjectNode data = JsonRpc.NODES.objectNode();
            data.put("resultType", type);
            ObjectNode error = (ObjectNode) JsonRpc.error(response.get("id"), JsonRpc.INTERNAL_ERROR,
                    "The upstream MCP server needs input from the client (a 2026-07-28 input_required result: elicitation,"
                            + " sampling or roots), which this gateway cannot relay to a client of an earlier protocol"
                            + " revision; use a 2026-07-28 client for this tool", data).get("error");
            response.remove("result");
            response.set("error", error);
            return true;
        }
        return result.remove("resultType") != null;
    }

    // ---- modern client, legacy upstream ---------------------------------------------------------

    /** The initialize request the gateway opens an upstream legacy session with, for a modern client. */
    public static ObjectNode initializeRequest(JsonNode id, String version, JsonNode capabilities, JsonNode clientInfo) {
        ObjectNode req = JsonRpc.NODES.objectNode();
        req.put("jsonrpc", "2.0");
        req.set("id", id);
        req.put("method", "initialize");
        ObjectNode params = req.putObject("params");
        params.put("protocolVersion", version);
        params.set("capabilities", capabilities instanceof ObjectNode c ? c.deepCopy() : JsonRpc.NODES.objectNode());
        if (clientInfo instanceof ObjectNode info) {
            params.set("clientInfo", info.deepCopy());
        } else {
            ObjectNode info = params.putObject("clientInfo");
            info.put("name", "warden");
            info.put("version", "0");
        }
        return req;
    }

    /** Legacy methods a 2026-07-28 server answers with 404 {@code -32601}. */
    static final Set<String> REMOVED_IN_MODERN = Set.of("initialize", "ping", "logging/setLevel", "resources/subscribe",
            "resources/unsubscribe");

    /**
     * What a 2026-07-28 server answers a request whose envelope it cannot accept, checked in the spec's order, or
     * null when the envelope is fine. The gateway answers for a legacy upstream, which has no such checks:
     * {@code .status()} is the HTTP status, {@code .error()} the JSON-RPC error.
     */
    public static JsonRpc.Bad modernRequestProblem(JsonRpc.Message m) {
        JsonNode version = envelope(m, Protocol.META_VERSION);
        if (version == null || !version.isTextual()) {
            return new JsonRpc.Bad(400, JsonRpc.error(m.id(), JsonRpc.INVALID_PARAMS,
                    "Invalid params: _meta." + Protocol.META_VERSION + " is required"));
        }
        if (!Protocol.MODERN.equals(version.asText())) {
            return new JsonRpc.Bad(400, JsonRpc.unsupportedVersion(m.id(), version.asText(), Protocol.MODERN));
        }
        if (!(envelope(m, META_CAPABILITIES) instanceof ObjectNode)) {
            return new JsonRpc.Bad(400, JsonRpc.error(m.id(), JsonRpc.INVALID_PARAMS,
                    "Invalid params: _meta." + META_CAPABILITIES + " is required"));
        }
        if (REMOVED_IN_MODERN.contains(m.method())) {
            return new JsonRpc.Bad(404, JsonRpc.error(m.id(), JsonRpc.METHOD_NOT_FOUND, "Method not found: " + m.method()));
        }
        return null;
    }

    /** A copy of a modern request without the 2026-07-28 envelope keys (the rest of {@code _meta} stays). */
    public static ObjectNode toLegacy(ObjectNode request) {
        ObjectNode copy = request.deepCopy();
        if (copy.get("params") instanceof ObjectNode params && params.get("_meta") instanceof ObjectNode meta) {
            MODERN_META.forEach(meta::remove);
            if (meta.isEmpty()) {
                params.remove("_meta");
            }
        }
        return copy;
    }

    /** The client's {@code _meta} envelope value, or null. */
    public static JsonNode envelope(JsonRpc.Message m, String key) {
        JsonNode meta = m.meta();
        return meta == null ? null : meta.get(key);
    }

    /** The {@code server/discover} result the gateway answers from a legacy upstream's InitializeResult. */
    public static ObjectNode discoverResult(JsonNode initialize) {
        ObjectNode r = JsonRpc.NODES.objectNode();
        r.put("resultType", "complete");
        ArrayNode versions = r.putArray("supportedVersions");
        versions.add(Protocol.MODERN);
        r.set("capabilities", withoutChangeNotifications(initialize));
        JsonNode info = initialize != null && initialize.get("serverInfo") instanceof ObjectNode i ? i.deepCopy() : null;
        if (info != null) {
            r.set("serverInfo", info);
            r.putObject("_meta").set(META_SERVER_INFO, info.deepCopy());
        }
        JsonNode instructions = initialize == null ? null : initialize.get("instructions");
        if (instructions != null && instructions.isTextual()) {
            r.put("instructions", instructions.asText());
        }
        r.put("ttlMs", 0);
        r.put("cacheScope", "private");
        return r;
    }

    /**
     * Rewrites a legacy upstream response for a modern client, in place: every result is {@code complete},
     * and cacheable results carry hints that forbid sharing (the legacy upstream gave none). Returns true
     * when the response changed.
     */
    public static boolean toModernResponse(ObjectNode response, String method) {
        if (!(response.get("result") instanceof ObjectNode result)) {
            return false;
        }
        boolean changed = false;
        if (!result.has("resultType")) {
            result.put("resultType", "complete");
            changed = true;
        }
        if (CACHEABLE.contains(method) && !result.has("ttlMs")) {
            result.put("ttlMs", 0);
            result.put("cacheScope", "private");
            changed = true;
        }
        return changed;
    }
}
