package io.warden.e2e.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.warden.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cheapest MCP upstream that still speaks the protocol: a JDK HTTP server answering every
 * JSON-RPC request on {@code /mcp} with {@code {"content":[{"type":"text","text":"ok"}]}} as JSON.
 * The limiter tests need the machine's CPU for the gateways and the clients, not for the upstream;
 * notifications get 202. It counts the calls that reached it. An argument {@code fail} makes a call fail:
 * {@code "http400"} (HTTP 400: the request refused as such), {@code "http500"} (HTTP 500), {@code "rpc"} (JSON-RPC error
 * -32602, invalid params: the tool never ran), {@code "rpc-internal"} (-32603: it may have), {@code "tool"} (a result
 * with {@code isError}).
 */
public final class EchoUpstream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "echo-upstream");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong calls = new AtomicLong();

    private EchoUpstream(HttpServer server) {
        this.server = server;
    }

    public static EchoUpstream start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePorts.next()), 512);
            EchoUpstream up = new EchoUpstream(s);
            s.createContext("/mcp", up::handle);
            s.setExecutor(up.pool);
            s.start();
            return up;
        } catch (IOException e) {
            throw new UncheckedIOException("echo upstream did not start", e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            JsonNode msg = JSON.readTree(body);
            if (msg == null || !msg.has("id")) {
                ex.sendResponseHeaders(202, -1);
                return;
            }
            if ("tools/call".equals(msg.path("method").asText())) {
                calls.incrementAndGet();
            }
            String fail = msg.path("params").path("arguments").path("fail").asText("");
            if (fail.startsWith("http")) {
                ex.sendResponseHeaders(fail.equals("http400") ? 400 : 500, -1);
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("jsonrpc", "2.0");
            answer.set("id", msg.get("id"));
            if (fail.startsWith("rpc")) {
                answer.putObject("error").put("code", fail.equals("rpc") ? -32602 : -32603).put("message", "echo failed");
            } else if (fail.equals("tool")) {
                ObjectNode result = answer.putObject("result").put("isError", true);
                result.putArray("content").addObject().put("type", "text").put("text", "tool failed");
            } else {
                answer.putObject("result").putArray("content").addObject().put("type", "text").put("text", "ok");
            }
            byte[] out = JSON.writeValueAsBytes(answer);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    /** Base URL of the MCP endpoint, e.g. {@code http://127.0.0.1:41234/mcp}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
    }

    /** tools/call requests that reached this upstream so far. */
    public long calls() {
        return calls.get();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
