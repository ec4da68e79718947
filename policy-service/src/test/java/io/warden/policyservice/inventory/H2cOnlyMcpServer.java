package io.warden.policyservice.inventory;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MCP upstream that speaks only HTTP/2 (h2c with prior knowledge; HTTP/1.x gets 505), with just enough MCP for an
 * inventory: {@code /mcp} is Streamable HTTP in the 2025-11-25 era ({@code initialize}, {@code tools/list}; anything
 * else is an unknown method), {@code /sse} the 2024-11-05 HTTP+SSE transport. Counts requests per protocol and per
 * query parameter {@code t}, so each test counts only its own server's requests.
 */
final class H2cOnlyMcpServer implements AutoCloseable {
    private static final JsonArray TOOLS = new JsonArray().add(new JsonObject().put("name", "h2_echo")
            .put("description", "Echoes over HTTP/2.").put("inputSchema", new JsonObject().put("type", "object")));

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    /** Requests by tag ({@code t}) and protocol. */
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();
    /** Open HTTP+SSE streams by session id: the answers to the session's POSTs travel on them. */
    private final Map<String, HttpServerResponse> streams = new ConcurrentHashMap<>();

    H2cOnlyMcpServer() throws Exception {
        server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(this::handle)
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest req) {
        String tag = req.getParam("t");
        counts.computeIfAbsent(tag + " " + req.version(), k -> new AtomicInteger()).incrementAndGet();
        if (req.version() != HttpVersion.HTTP_2) {
            req.response().setStatusCode(505).end();
            return;
        }
        if (req.method() == HttpMethod.GET && req.path().equals("/sse")) {
            String session = "sse-" + sessions.incrementAndGet();
            streams.put(session, req.response());
            req.response().closeHandler(v -> streams.remove(session));
            req.response().putHeader("Content-Type", "text/event-stream")
                    .write("event: endpoint\ndata: /messages?t=" + tag + "&session=" + session + "\n\n");
            return;
        }
        req.body().onSuccess(body -> {
            if (req.method() != HttpMethod.POST) {
                req.response().setStatusCode(req.method() == HttpMethod.DELETE ? 200 : 405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            JsonObject answer = msg.containsKey("id") ? answer(msg) : null;
            if (req.path().equals("/messages")) {
                HttpServerResponse stream = streams.get(req.getParam("session"));
                if (answer != null && stream != null) {
                    stream.write("event: message\ndata: " + answer.encode() + "\n\n");
                }
                req.response().setStatusCode(stream == null ? 404 : 202).end();
            } else if (answer == null) {
                req.response().setStatusCode(202).end();
            } else {
                if ("initialize".equals(msg.getString("method"))) {
                    req.response().putHeader("Mcp-Session-Id", "h2-" + sessions.incrementAndGet());
                }
                req.response().putHeader("Content-Type", "application/json").end(answer.encode());
            }
        });
    }

    private static JsonObject answer(JsonObject request) {
        JsonObject response = new JsonObject().put("jsonrpc", "2.0").put("id", request.getValue("id"));
        return switch (request.getString("method", "")) {
            case "initialize" -> response.put("result", new JsonObject().put("protocolVersion", "2025-11-25")
                    .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                    .put("serverInfo", new JsonObject().put("name", "h2c-only").put("version", "1")));
            case "tools/list" -> response.put("result", new JsonObject().put("tools", TOOLS));
            default -> response.put("error", new JsonObject().put("code", -32601).put("message", "Method not found"));
        };
    }

    /** The Streamable HTTP endpoint; requests to it are counted under {@code tag}. */
    String url(String tag) {
        return "http://127.0.0.1:" + server.actualPort() + "/mcp?t=" + tag;
    }

    /** The HTTP+SSE endpoint; requests to it and to the message endpoint it names are counted under {@code tag}. */
    String sseUrl(String tag) {
        return "http://127.0.0.1:" + server.actualPort() + "/sse?t=" + tag;
    }

    /** Requests counted under {@code tag} that arrived over {@code version}. */
    int requests(String tag, HttpVersion version) {
        AtomicInteger n = counts.get(tag + " " + version);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
