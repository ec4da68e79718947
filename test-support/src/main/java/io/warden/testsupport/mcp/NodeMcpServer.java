package io.warden.testsupport.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real MCP server run by the project's Node 22 on a loopback port: either Warden's fixture
 * ({@code test-support/node/fixture-server.mjs}, both protocol eras, the conformance {@code test_*} fixtures,
 * {@code echo}/{@code add}/{@code delete_account}/{@code slow_progress} and out-of-band counters) or
 * {@code @modelcontextprotocol/server-everything} over Streamable HTTP.
 *
 * <p>{@link #stop()} and {@link #start()} take the server down and bring it back on the same port, so a test
 * can simulate an upstream that is down.
 */
public final class NodeMcpServer implements AutoCloseable {
    /** Which server to run. */
    public enum Kind { FIXTURE, EVERYTHING }

    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("FIXTURE_LISTENING port=(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which protocol eras the fixture speaks ({@code --eras}); see test-support/README.md. */
    public enum Eras {
        DUAL("dual"), MODERN("modern"), LEGACY("legacy"), HTTP_SSE("http+sse");

        public final String wire;

        Eras(String wire) {
            this.wire = wire;
        }
    }

    /** One request the fixture received on /mcp or /sse: HTTP method, path, JSON-RPC method (null for none). */
    public record Request(String httpMethod, String path, String method) {}

    private final Kind kind;
    private final Eras eras;
    private final Path logDir;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int port;
    private ManagedProcess process;

    private NodeMcpServer(Kind kind, int port) {
        this(kind, port, Eras.DUAL);
    }

    private NodeMcpServer(Kind kind, int port, Eras eras) {
        this(kind, port, eras, null);
    }

    private NodeMcpServer(Kind kind, int port, Eras eras, Path log) {
        this.kind = kind;
        this.eras = eras;
        this.port = port;
        this.logDir = log == null ? Commands.tempDir("warden-mcp-" + kind.name().toLowerCase()) : null;
        this.log = log == null ? logDir.resolve("server.log") : log.toAbsolutePath();
    }

    /** The fixture server (both eras), its output written to {@code log} (emptied first): for a launcher's log folder. */
    public static NodeMcpServer fixtureLoggingTo(Path log) {
        NodeMcpServer server = new NodeMcpServer(Kind.FIXTURE, 0, Eras.DUAL, log);
        server.start();
        return server;
    }

    /** Starts the fixture server on a port it picks itself, and waits until it listens. */
    public static NodeMcpServer fixture() {
        NodeMcpServer server = new NodeMcpServer(Kind.FIXTURE, 0);
        server.start();
        return server;
    }

    /** Starts the fixture server speaking only {@code eras} (modern-only, legacy-only, HTTP+SSE only, or both). */
    public static NodeMcpServer fixture(Eras eras) {
        NodeMcpServer server = new NodeMcpServer(Kind.FIXTURE, 0, eras);
        server.start();
        return server;
    }

    /** Starts {@code server-everything streamableHttp} on a free port, and waits until it listens. */
    public static NodeMcpServer everything() {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            NodeMcpServer server = new NodeMcpServer(Kind.EVERYTHING, FreePorts.next());
            try {
                server.start();
                return server;
            } catch (IllegalStateException e) {
                server.close();
                failure = e;
            }
        }
        throw failure;
    }

    /** (Re)starts the server; after the first start it always uses the same port. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        Path dir = NodeTool.nodeDir();
        String node = NodeTool.node().toString();
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (kind == Kind.FIXTURE) {
            process = ManagedProcess.start("mcp-fixture", List.of(node, "fixture-server.mjs", "--port",
                    String.valueOf(port), "--host", "127.0.0.1", "--eras", eras.wire), dir, Map.of(), log);
            Poll.until(STARTUP, () -> listeningPort(log) > 0, () -> !process.isAlive(), this::startupFailure);
            port = listeningPort(log);
        } else {
            process = ManagedProcess.start("mcp-everything", List.of(node,
                    "node_modules/@modelcontextprotocol/server-everything/dist/index.js", "streamableHttp"), dir,
                    Map.of("PORT", String.valueOf(port)), log);
            Poll.until(STARTUP, () -> accepts() && process.isAlive(), () -> !process.isAlive(), this::startupFailure);
        }
    }

    private String startupFailure() {
        return kind + " MCP server did not start" + (process.isAlive() ? "" : " (exited)") + "; log:\n"
                + process.logTail(3000);
    }

    private static int listeningPort(Path log) {
        try {
            if (!Files.exists(log)) {
                return -1;
            }
            Matcher m = LISTENING.matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the server; the port stays reserved for {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
            process = null;
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public Kind kind() {
        return kind;
    }

    /** The server's process id, or -1 when it is stopped. */
    public long pid() {
        ManagedProcess p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The Streamable HTTP endpoint, {@code http://127.0.0.1:<port>/mcp}. */
    public String url() {
        return baseUrl() + "/mcp";
    }

    /** The deprecated HTTP+SSE endpoint ({@code GET /sse}, then POST to the announced URL); fixture only. */
    public String sseUrl() {
        requireFixture("sseUrl");
        return baseUrl() + "/sse";
    }

    /** How many times each tool's handler ran since start or the last {@link #reset()} (fixture only). */
    public Map<String, Integer> calls() {
        requireFixture("calls");
        return get("/_fixture/calls", new TypeReference<>() {});
    }

    /** How many times {@code tool} ran (0 when never). */
    public int callCount(String tool) {
        return calls().getOrDefault(tool, 0);
    }

    /** The headers of the last request the fixture received on /mcp, /sse or /messages, names in lower case. */
    public Map<String, String> lastHeaders() {
        requireFixture("lastHeaders");
        return get("/_fixture/last-headers", new TypeReference<>() {});
    }

    /** Every request on /mcp and /sse since start or the last {@link #reset()}, oldest first (at most 1000). */
    public java.util.List<Request> requests() {
        requireFixture("requests");
        return get("/_fixture/requests", new TypeReference<>() {});
    }

    /** How many requests with JSON-RPC method {@code method} reached /mcp since start or the last reset. */
    public long requestCount(String method) {
        return requests().stream().filter(r -> method.equals(r.method())).count();
    }

    public Eras eras() {
        return eras;
    }

    /** Clears the call counters, the recorded headers, any armed fault and the tools/list settings. */
    public void reset() {
        requireFixture("reset");
        post("/_fixture/reset", "{}");
    }

    /** Ways the fixture can misbehave on {@code /mcp}, for the gateway's upstream-failure tests. */
    public enum Fault {
        /** Answers with an HTTP error status (502 unless another is given) and a plain-text body. */
        HTTP_ERROR("http-error"),
        /** Answers 200 {@code application/json} with a truncated JSON body. */
        GARBAGE_JSON("garbage-json"),
        /** Answers 200 {@code text/event-stream} with an event whose data is not JSON. */
        GARBAGE_SSE("garbage-sse"),
        /** Starts an SSE answer, sends one notification, then drops the connection without a response. */
        CLOSE_MID_STREAM("close-mid-stream"),
        /** Answers 200 {@code application/json} with a Content-Length, sends part of the body, then drops the connection. */
        CUT_JSON("cut-json"),
        /** Answers 200 {@code application/json} with a complete JSON-RPC result of 64 KiB. */
        HUGE_JSON("huge-json"),
        /** Reads the request and never answers. */
        HANG("hang");

        private final String wire;

        Fault(String wire) {
            this.wire = wire;
        }
    }

    /** Arms {@code fault} for the next {@code count} requests on /mcp ({@code count <= 0}: until cleared). */
    public void fault(Fault fault, int count) {
        fault(fault, count, 502);
    }

    /** As {@link #fault(Fault, int)}; {@code httpStatus} is used by {@link Fault#HTTP_ERROR}. */
    public void fault(Fault fault, int count, int httpStatus) {
        requireFixture("fault");
        post("/_fixture/fault", "{\"mode\":\"" + fault.wire + "\",\"status\":" + httpStatus
                + (count > 0 ? ",\"count\":" + count : "") + "}");
    }

    /** Disarms any fault. */
    public void clearFault() {
        requireFixture("clearFault");
        send(HttpRequest.newBuilder(URI.create(baseUrl() + "/_fixture/fault")).DELETE().build());
    }

    /** Makes tools/list answer in pages of {@code size} tools (cursor = next offset); 0 = one page. */
    public void toolsPageSize(int size) {
        requireFixture("toolsPageSize");
        post("/_fixture/config", "{\"toolsPageSize\":" + size + "}");
    }

    /**
     * Makes tools/list show {@code description} for {@code tool} instead of its own (a changed definition, as in a
     * "rug pull"); {@code null} restores the tool's own description. Cleared by {@link #reset()}.
     */
    public void toolDescription(String tool, String description) {
        requireFixture("toolDescription");
        post("/_fixture/config", "{\"toolDescriptions\":" + (description == null ? "{}"
                : JSON.createObjectNode().put(tool, description).toString()) + "}");
    }

    /**
     * Makes tools/list also show these tool definitions (JSON objects with name, description, inputSchema,
     * annotations); they are listed only, a call to one is an unknown tool. Replaces earlier ones; cleared by
     * {@link #reset()}.
     */
    public void extraTools(List<Map<String, Object>> tools) {
        requireFixture("extraTools");
        try {
            post("/_fixture/config", "{\"extraTools\":" + JSON.writeValueAsString(tools) + "}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void post(String path, String json) {
        send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private <T> T get(String path, TypeReference<T> type) {
        String body = send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build());
        try {
            return JSON.readValue(body, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unexpected answer from " + path + ": " + body, e);
        }
    }

    private String send(HttpRequest request) {
        try {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException first) {
                // Node closes an idle keep-alive connection after 5 s; a call that picked it up at that moment gets no
                // bytes. The out-of-band calls are idempotent: send once more, on a new connection.
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException(request.uri() + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("fixture out-of-band call failed: " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void requireFixture(String what) {
        if (kind != Kind.FIXTURE) {
            throw new UnsupportedOperationException(what + "() exists only on the fixture server");
        }
    }

    /** The server's output so far (for failure messages). */
    public String logTail(int maxChars) {
        return ManagedProcess.tail(log, maxChars);
    }

    @Override
    public void close() {
        stop();
        if (logDir != null) {
            Commands.deleteTree(logDir);
        }
    }

    @Override
    public String toString() {
        return "NodeMcpServer[" + kind + ", " + url() + "]";
    }
}
