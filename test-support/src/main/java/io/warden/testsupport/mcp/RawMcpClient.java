package io.warden.testsupport.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A deliberately thin JSON-RPC-over-HTTP client for tests that need to see the wire: every call returns the
 * HTTP status, headers and every JSON-RPC message of the answer (one JSON body, or each SSE {@code data:} event).
 * Use an official SDK client when a test wants a client's behaviour; use this one to assert exact bytes.
 *
 * <p>Legacy era: {@link #initialize(String)} performs the handshake and keeps the {@code Mcp-Session-Id} and
 * protocol version for later calls. Modern era (2026-07-28): {@link #modernRequest} adds the per-request
 * {@code _meta} envelope and the {@code Mcp-Method}/{@code Mcp-Name} headers.
 */
public final class RawMcpClient {
    public static final String MODERN = "2026-07-28";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, String> extraHeaders = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private String sessionId;
    private String protocolVersion;

    public RawMcpClient(String url) {
        this.url = url;
    }

    /** One HTTP exchange: status, headers, raw body and the JSON-RPC messages it carried, in order. */
    public record Exchange(int status, Map<String, List<String>> headers, String body, List<JsonNode> messages) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        /** The last message that has a {@code result} or an {@code error} (the response). */
        public JsonNode response() {
            for (int i = messages.size() - 1; i >= 0; i--) {
                JsonNode m = messages.get(i);
                if (m.has("result") || m.has("error")) {
                    return m;
                }
            }
            throw new AssertionError("no JSON-RPC response in HTTP " + status + ": " + body);
        }

        /** The {@code id:} of the last SSE event in the body (for resuming), or null. */
        public String lastEventId() {
            String last = null;
            for (String line : body.split("\r?\n")) {
                if (line.startsWith("id:")) {
                    last = line.substring(3).strip();
                }
            }
            return last;
        }

        public JsonNode result() {
            JsonNode response = response();
            if (!response.has("result")) {
                throw new AssertionError("expected a result, got " + response);
            }
            return response.get("result");
        }
    }

    /** Adds a header to every later request (e.g. Authorization). */
    public RawMcpClient header(String name, String value) {
        extraHeaders.put(name, value);
        return this;
    }

    public String sessionId() {
        return sessionId;
    }

    /** Legacy handshake: initialize, then notifications/initialized. Returns the initialize exchange. */
    public Exchange initialize(String version) {
        ObjectNode params = JSON.createObjectNode();
        params.put("protocolVersion", version);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "warden-raw-client").put("version", "1.0.0");
        Exchange init = post(requestMessage("initialize", params), Map.of());
        sessionId = init.header("mcp-session-id");
        protocolVersion = init.result().path("protocolVersion").asText(version);
        post(notificationMessage("notifications/initialized"), Map.of());
        return init;
    }

    /** A legacy-era request on the current session (after {@link #initialize}). */
    public Exchange request(String method, JsonNode params) {
        return post(requestMessage(method, params), Map.of());
    }

    /** A modern-era (2026-07-28) request: envelope in {@code _meta}, routing headers set. */
    public Exchange modernRequest(String method, ObjectNode params) {
        ObjectNode p = params == null ? JSON.createObjectNode() : params.deepCopy();
        ObjectNode meta = p.has("_meta") ? (ObjectNode) p.get("_meta") : p.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", MODERN);
        if (!meta.has("io.modelcontextprotocol/clientCapabilities")) {
            meta.putObject("io.modelcontextprotocol/clientCapabilities");
        }
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "warden-raw-client").put("version", "1.0.0");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("MCP-Protocol-Version", MODERN);
        headers.put("Mcp-Method", method);
        if (p.has("name")) {
            headers.put("Mcp-Name", p.get("name").asText());
        } else if (p.has("uri")) {
            headers.put("Mcp-Name", p.get("uri").asText());
        }
        return post(requestMessage(method, p), headers);
    }

    /** {@code tools/call} with the given arguments, legacy era. */
    public Exchange callTool(String name, Map<String, ?> arguments) {
        ObjectNode params = JSON.createObjectNode().put("name", name);
        params.set("arguments", JSON.valueToTree(arguments));
        return request("tools/call", params);
    }

    public ObjectNode requestMessage(String method, JsonNode params) {
        ObjectNode message = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ids.incrementAndGet())
                .put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        return message;
    }

    public ObjectNode notificationMessage(String method) {
        return JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method);
    }

    /** POSTs any JSON body (also a malformed one, as a string) with the session headers and {@code headers}. */
    public Exchange post(Object body, Map<String, String> headers) {
        String text = body instanceof String s ? s : body.toString();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(text));
        if (sessionId != null) {
            builder.header("Mcp-Session-Id", sessionId);
        }
        if (protocolVersion != null && !headers.containsKey("MCP-Protocol-Version")) {
            builder.header("MCP-Protocol-Version", protocolVersion);
        }
        extraHeaders.forEach(builder::header);
        headers.forEach(builder::header);
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Exchange(response.statusCode(), response.headers().map(), response.body(),
                    parseMessages(response.headers().firstValue("content-type").orElse(""), response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Legacy resumption: {@code GET} with {@code Last-Event-ID} on the current session, reading the replayed SSE
     * stream until the response to request {@code id} arrives (or {@code timeout}); returns the messages read.
     */
    public List<JsonNode> resume(String lastEventId, long id, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", lastEventId)
                .GET();
        if (sessionId != null) {
            builder.header("Mcp-Session-Id", sessionId);
        }
        if (protocolVersion != null) {
            builder.header("MCP-Protocol-Version", protocolVersion);
        }
        extraHeaders.forEach(builder::header);
        List<JsonNode> messages = new ArrayList<>();
        try {
            HttpResponse<Stream<String>> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("resume answered HTTP " + response.statusCode());
            }
            try (Stream<String> lines = response.body()) {
                StringBuilder data = new StringBuilder();
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.startsWith("data:")) {
                        data.append(line.substring(5).stripLeading());
                    } else if (line.isEmpty() && data.length() > 0) {
                        Optional<JsonNode> message = readJson(data.toString());
                        data.setLength(0);
                        message.ifPresent(messages::add);
                        if (message.isPresent() && isResponseTo(message.get(), id)) {
                            return messages;
                        }
                    }
                }
            }
            throw new IllegalStateException("resumed stream ended without the response to " + id + ": " + messages);
        } catch (IOException e) {
            throw new UncheckedIOException("resume GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isResponseTo(JsonNode message, long id) {
        return message.path("id").asLong(-1) == id && (message.has("result") || message.has("error"));
    }

    /**
     * The JSON-RPC messages of a body: one JSON value, or the {@code data:} of each SSE event. Data that is not
     * JSON is skipped (the raw body stays in {@link Exchange#body()}), so tests can look at broken upstreams.
     */
    public static List<JsonNode> parseMessages(String contentType, String body) {
        List<JsonNode> messages = new ArrayList<>();
        if (body == null || body.isBlank()) {
            return messages;
        }
        if (contentType.startsWith("text/event-stream")) {
            StringBuilder data = new StringBuilder();
            for (String line : (body + "\n\n").split("\r?\n", -1)) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).stripLeading());
                } else if (line.isEmpty() && data.length() > 0) {
                    readJson(data.toString()).ifPresent(messages::add);
                    data.setLength(0);
                }
            }
        } else if (contentType.startsWith("application/json")) {
            readJson(body).ifPresent(messages::add);
        }
        return messages;
    }

    private static Optional<JsonNode> readJson(String text) {
        try {
            return Optional.of(JSON.readTree(text));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
