package io.warden.policyservice.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lists an upstream MCP server's tools over Streamable HTTP in either protocol era, or over the deprecated HTTP+SSE
 * transport (2024-11-05) for servers pinned to it, following {@code nextCursor}.
 * Modern (2026-07-28): every request carries its envelope in {@code _meta} and the routing headers; legacy: an
 * {@code initialize} handshake opens a session, closed again with {@code DELETE}. Blocking: callers run it on worker
 * threads. Error messages name what went wrong but never the URL (its query may hold credentials) or a header value.
 * The HTTP version is its {@link UpstreamHttp}'s: one client per version, chosen by the server's {@code http2} flag.
 */
public final class McpToolsClient {
    public static final String MODERN = "2026-07-28";
    public static final String LEGACY = "2025-11-25";
    private static final Map<String, String> JSON_POST = Map.of("Content-Type", "application/json",
            "Accept", "application/json, text/event-stream");

    /** What the upstream answered: the era used, its protocol version and server info, and every tool. */
    public record Listing(String era, String protocolVersion, JsonNode serverInfo, List<JsonNode> tools) {}

    /** The upstream could not be listed; the message is safe to show and to log. */
    public static final class UpstreamException extends Exception {
        public UpstreamException(String message) {
            super(message, null, false, false);
        }
    }

    private final UpstreamHttp http;
    private final ObjectMapper json;
    private final Duration timeout;
    private final int maxPages;

    /** @param timeout what {@code http} allows an exchange, and the HTTP+SSE wait for each answer */
    McpToolsClient(UpstreamHttp http, ObjectMapper json, Duration timeout, int maxPages) {
        this.http = http;
        this.json = json;
        this.timeout = timeout;
        this.maxPages = maxPages;
    }

    /**
     * Lists the tools. {@code eraPin} is the server's {@code era}: {@code auto} probes {@code server/discover} first
     * and falls back to the legacy handshake, as the spec orders it.
     */
    public Listing list(String url, Map<String, String> headers, String eraPin) throws UpstreamException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new UpstreamException("the server's URL is not a valid URI");
        }
        return switch (eraPin == null ? "auto" : eraPin) {
            case "modern", "dual" -> listModern(uri, headers, discover(uri, headers));
            case "legacy" -> listLegacy(uri, headers);
            case "http+sse" -> listHttpSse(uri, headers);
            default -> {
                JsonNode discovered = discover(uri, headers);
                yield discovered != null ? listModern(uri, headers, discovered) : listLegacy(uri, headers);
            }
        };
    }

    /** The {@code server/discover} result, or null when the server does not speak the modern era. */
    private JsonNode discover(URI uri, Map<String, String> headers) throws UpstreamException {
        Answer a = post(uri, headers, modernHeaders("server/discover"), request(1, "server/discover", envelope()));
        JsonNode result = a.message() == null ? null : a.message().get("result");
        return a.status() / 100 == 2 && result != null && result.path("supportedVersions").isArray() ? result : null;
    }

    private Listing listModern(URI uri, Map<String, String> headers, JsonNode discovered) throws UpstreamException {
        List<JsonNode> tools = pages(cursor -> {
            ObjectNode params = envelope();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            return result(post(uri, headers, modernHeaders("tools/list"), request(2, "tools/list", params)), "tools/list");
        });
        JsonNode info = discovered == null ? null : discovered.has("serverInfo") ? discovered.get("serverInfo")
                : discovered.path("_meta").get("io.modelcontextprotocol/serverInfo");
        return new Listing("modern", MODERN, info, tools);
    }

    private Listing listLegacy(URI uri, Map<String, String> headers) throws UpstreamException {
        ObjectNode init = json.createObjectNode().put("protocolVersion", LEGACY);
        init.putObject("capabilities");
        init.putObject("clientInfo").put("name", "warden-policy-service").put("version", "1");
        Answer opened = post(uri, headers, Map.of(), request(1, "initialize", init));
        JsonNode initialized = result(opened, "initialize");
        String version = initialized.path("protocolVersion").asText(LEGACY);
        Map<String, String> session = new LinkedHashMap<>();
        session.put("MCP-Protocol-Version", version);
        if (opened.sessionId() != null) {
            session.put("Mcp-Session-Id", opened.sessionId());
        }
        try {
            post(uri, headers, session, json.createObjectNode().put("jsonrpc", "2.0")
                    .put("method", "notifications/initialized"));
            List<JsonNode> tools = pages(cursor -> {
                ObjectNode params = json.createObjectNode();
                if (cursor != null) {
                    params.put("cursor", cursor);
                }
                return result(post(uri, headers, session, request(2, "tools/list", params)), "tools/list");
            });
            return new Listing("legacy", version, initialized.get("serverInfo"), tools);
        } finally {
            if (opened.sessionId() != null) {
                closeSession(uri, headers, session);
            }
        }
    }

    /**
     * The 2024-11-05 transport: a GET opens an event stream whose first {@code endpoint} event names where to POST;
     * every answer then arrives on the stream as a {@code message} event, never in the POST's own answer.
     */
    private Listing listHttpSse(URI sseUri, Map<String, String> headers) throws UpstreamException {
        try (SseStream stream = http.openStream(sseUri, merged(Map.of("Accept", "text/event-stream"), headers))) {
            String endpoint = stream.next("endpoint", deadline()).data();
            URI post;
            try {
                post = sseUri.resolve(endpoint.strip());
            } catch (IllegalArgumentException e) {
                throw new UpstreamException("the HTTP+SSE endpoint event does not hold a URL");
            }
            // The static headers are the server's secrets: they go nowhere but the origin the operator registered.
            if (!sameOrigin(sseUri, post)) {
                throw new UpstreamException("the HTTP+SSE endpoint event names another origin; refused");
            }
            ObjectNode init = json.createObjectNode().put("protocolVersion", "2024-11-05");
            init.putObject("capabilities");
            init.putObject("clientInfo").put("name", "warden-policy-service").put("version", "1");
            postOnly(post, headers, request(1, "initialize", init), "initialize");
            JsonNode initialized = result(new Answer(200, null, awaitResponse(stream, 1)), "initialize");
            postOnly(post, headers, json.createObjectNode().put("jsonrpc", "2.0").put("method",
                    "notifications/initialized"), "notifications/initialized");
            long[] id = {1};
            List<JsonNode> tools = pages(cursor -> {
                ObjectNode params = json.createObjectNode();
                if (cursor != null) {
                    params.put("cursor", cursor);
                }
                long next = ++id[0];
                postOnly(post, headers, request(next, "tools/list", params), "tools/list");
                return result(new Answer(200, null, awaitResponse(stream, next)), "tools/list");
            });
            return new Listing("http+sse", initialized.path("protocolVersion").asText("2024-11-05"),
                    initialized.get("serverInfo"), tools);
        }
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    /** The response to {@code id} among the stream's message events (requests and notifications skipped). */
    private JsonNode awaitResponse(SseStream stream, long id) throws UpstreamException {
        long deadline = deadline();
        while (true) {
            SseStream.Event e = stream.next("message", deadline);
            try {
                JsonNode m = json.readTree(e.data());
                if (m != null && m.path("id").asLong(-1) == id && !m.has("method")
                        && (m.has("result") || m.has("error"))) {
                    return m;
                }
            } catch (IOException ex) {
                // not JSON: not the response
            }
        }
    }

    private void postOnly(URI uri, Map<String, String> headers, ObjectNode body, String method)
            throws UpstreamException {
        int status = http.exchange("POST", uri, merged(Map.of("Content-Type", "application/json"), headers),
                body.toString()).status();
        if (status / 100 != 2) {
            throw new UpstreamException(method + " answered HTTP " + status + " on the HTTP+SSE message endpoint");
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(String.valueOf(b.getScheme()))
                && a.getHost().equalsIgnoreCase(String.valueOf(b.getHost())) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private interface Page {
        JsonNode fetch(String cursor) throws UpstreamException;
    }

    private List<JsonNode> pages(Page page) throws UpstreamException {
        List<JsonNode> tools = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String cursor = null;
        for (int i = 0; i < maxPages; i++) {
            JsonNode result = page.fetch(cursor);
            if (!result.path("tools").isArray()) {
                throw new UpstreamException("tools/list answered without a tools array");
            }
            result.get("tools").forEach(tools::add);
            JsonNode next = result.get("nextCursor");
            if (next == null || next.isNull()) {
                return tools;
            }
            cursor = next.asText();
            if (!cursors.add(cursor)) {
                throw new UpstreamException("tools/list repeated the cursor it answered before");
            }
        }
        throw new UpstreamException("tools/list still had more pages after " + maxPages);
    }

    private record Answer(int status, String sessionId, JsonNode message) {}

    private Answer post(URI uri, Map<String, String> headers, Map<String, String> protocol, ObjectNode body)
            throws UpstreamException {
        UpstreamHttp.Reply reply = http.exchange("POST", uri, merged(JSON_POST, headers, protocol), body.toString());
        String text = new String(reply.body(), StandardCharsets.UTF_8);
        JsonNode message = body.has("id") ? responseTo(reply.contentType(), text, body.get("id").asLong()) : null;
        return new Answer(reply.status(), reply.sessionId(), message);
    }

    private JsonNode result(Answer a, String method) throws UpstreamException {
        if (a.status() / 100 != 2 && a.message() == null) {
            throw new UpstreamException(method + " answered HTTP " + a.status());
        }
        if (a.message() == null) {
            throw new UpstreamException(method + " answered without a JSON-RPC response");
        }
        JsonNode error = a.message().get("error");
        if (error != null) {
            String detail = error.path("message").asText("");
            throw new UpstreamException(method + " failed with JSON-RPC error " + error.path("code").asInt() + ": "
                    + (detail.length() > 200 ? detail.substring(0, 200) + "…" : detail));
        }
        JsonNode result = a.message().get("result");
        if (result == null || !result.isObject()) {
            throw new UpstreamException(method + " answered without a result object");
        }
        return result;
    }

    /** The response to {@code id} in a JSON body or among an SSE stream's events; null when none. */
    private JsonNode responseTo(String contentType, String body, long id) {
        List<String> candidates = new ArrayList<>();
        if (contentType.startsWith("text/event-stream")) {
            StringBuilder data = new StringBuilder();
            for (String line : (body + "\n\n").split("\r?\n", -1)) {
                if (line.startsWith("data:")) {
                    data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).stripLeading());
                } else if (line.isEmpty() && data.length() > 0) {
                    candidates.add(data.toString());
                    data.setLength(0);
                }
            }
        } else {
            candidates.add(body);
        }
        for (String candidate : candidates) {
            try {
                JsonNode m = json.readTree(candidate);
                if (m != null && m.path("id").asLong(-1) == id && (m.has("result") || m.has("error"))) {
                    return m;
                }
            } catch (IOException e) {
                // not JSON: not the response
            }
        }
        return null;
    }

    private void closeSession(URI uri, Map<String, String> headers, Map<String, String> session) {
        try {
            http.exchange("DELETE", uri, merged(headers, session), null);
        } catch (UpstreamException | RuntimeException e) {
            // best effort: the upstream expires idle sessions itself
        }
    }

    /** Later maps override earlier ones, names compared without case as HTTP does. */
    @SafeVarargs
    private static Map<String, String> merged(Map<String, String>... layers) {
        Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map<String, String> layer : layers) {
            all.putAll(layer);
        }
        return all;
    }

    /** The failure of an exchange as the operator should read it (an {@link UpstreamException} among the causes wins). */
    static UpstreamException failure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UpstreamException u) {
                return u;
            }
        }
        if (cause instanceof ConnectException) {
            return new UpstreamException("connection refused or host unreachable");
        }
        return new UpstreamException("I/O error talking to the upstream (" + cause.getClass().getSimpleName() + ")");
    }

    /** No connection within {@code timeout}, whichever HTTP client tried. */
    static UpstreamException connectTimedOut(Duration timeout) {
        return new UpstreamException("connecting timed out after " + timeout.toSeconds() + " s");
    }

    static UpstreamException tooLarge() {
        return new UpstreamException("the upstream's answer is larger than " + UpstreamHttp.MAX_BODY_BYTES + " bytes");
    }

    private ObjectNode request(long id, String method, ObjectNode params) {
        ObjectNode r = json.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        r.set("params", params);
        return r;
    }

    private ObjectNode envelope() {
        ObjectNode params = json.createObjectNode();
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", MODERN);
        meta.putObject("io.modelcontextprotocol/clientCapabilities");
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "warden-policy-service").put("version", "1");
        return params;
    }

    private static Map<String, String> modernHeaders(String method) {
        return Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", method);
    }
}
