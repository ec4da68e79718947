package io.warden.e2e.ratelimit;

import io.warden.e2e.GatewayProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stateless modern (2026-07-28) {@code tools/call} requests to a gateway, over one shared JDK HTTP/1.1 client, and
 * their answers classified as admitted, denied (with the denying rule) or anything else.
 */
final class McpCaller {
    static final String VERSION = "2026-07-28";
    static final String TOOL = "echo";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "mcp-caller");
                t.setDaemon(true);
                return t;
            }))
            .build();
    private final AtomicLong ids = new AtomicLong();

    /** What came back. */
    enum Kind { ADMITTED, DENIED, OTHER }

    /**
     * One answered call.
     *
     * @param gateway index of the gateway it went to
     * @param label the caller's name for the grant or bucket (e.g. {@code "g1"} or {@code "cust-2"})
     * @param sendNanos {@link System#nanoTime()} just before the request was handed to the client
     * @param recvNanos {@link System#nanoTime()} once the whole answer was read
     * @param rule the denying rule ({@code _meta["io.warden/decision"].rule}), else null
     * @param detail status and body, for OTHER answers
     */
    record Answer(int gateway, String label, long sendNanos, long recvNanos, Kind kind, String rule, String detail) {
        boolean admitted() {
            return kind == Kind.ADMITTED;
        }

        long latencyMillis() {
            return (recvNanos - sendNanos) / 1_000_000;
        }
    }

    /** Calls {@code echo} through {@code gw} with {@code token} and {@code arguments}. */
    Answer call(GatewayProcess gw, int gwIndex, String server, String token, Map<String, ?> arguments, String label) {
        long id = ids.incrementAndGet();
        ObjectNode body = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call");
        ObjectNode params = body.putObject("params").put("name", TOOL);
        params.set("arguments", JSON.valueToTree(arguments));
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", VERSION);
        meta.putObject("io.modelcontextprotocol/clientCapabilities");
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(gw.endpoint(server))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", VERSION)
                    .header("Mcp-Method", "tools/call")
                    .header("Mcp-Name", TOOL)
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long send = System.nanoTime();
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return new Answer(gwIndex, label, send, System.nanoTime(), Kind.OTHER, null, "I/O error: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(gwIndex, label, send, System.nanoTime(), Kind.OTHER, null, "interrupted");
        }
        long recv = System.nanoTime();
        return classify(gwIndex, label, send, recv, resp.statusCode(), resp.body());
    }

    private static Answer classify(int gw, String label, long send, long recv, int status, byte[] body) {
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        if (status != 200) {
            return new Answer(gw, label, send, recv, Kind.OTHER, null, status + " " + text);
        }
        JsonNode result;
        try {
            result = JSON.readTree(body).path("result");
        } catch (IOException e) {
            return new Answer(gw, label, send, recv, Kind.OTHER, null, "not JSON: " + text);
        }
        if (result.path("isError").asBoolean(false)) {
            JsonNode decision = result.path("_meta").path("io.warden/decision");
            String rule = decision.path("rule").isTextual() ? decision.path("rule").asText() : null;
            return new Answer(gw, label, send, recv, rule == null ? Kind.OTHER : Kind.DENIED, rule, text);
        }
        if (result.path("content").path(0).path("text").asText("").equals("ok")) {
            return new Answer(gw, label, send, recv, Kind.ADMITTED, null, null);
        }
        return new Answer(gw, label, send, recv, Kind.OTHER, null, text);
    }
}
