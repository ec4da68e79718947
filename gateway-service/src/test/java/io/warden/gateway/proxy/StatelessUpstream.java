package io.warden.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A legacy (2025-11-25) upstream that keeps no sessions: initialize answers without {@code Mcp-Session-Id}, so the only
 * session is the gateway's own token; {@code echo} echoes; DELETE answers 200. Counts the requests it saw.
 */
public final class StatelessUpstream implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();

    public StatelessUpstream() throws Exception {
        server = vertx.createHttpServer().connectionHandler(conn -> {
            connections.incrementAndGet();
            conn.closeHandler(v -> connections.decrementAndGet());
        }).requestHandler(req -> req.body().onSuccess(body -> {
            requests.incrementAndGet();
            if (req.method() != HttpMethod.POST) {
                req.response().setStatusCode(req.method() == HttpMethod.DELETE ? 200 : 405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            if (!msg.containsKey("id")) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = "initialize".equals(msg.getString("method"))
                    ? new JsonObject().put("protocolVersion", "2025-11-25").put("capabilities", new JsonObject())
                            .put("serverInfo", new JsonObject().put("name", "stateless").put("version", "1"))
                    : new JsonObject().put("content", new io.vertx.core.json.JsonArray().add(new JsonObject()
                            .put("type", "text").put("text", "echo: " + msg.getJsonObject("params", new JsonObject())
                                    .getJsonObject("arguments", new JsonObject()).getString("message"))));
            req.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("jsonrpc", "2.0").put("id", msg.getValue("id")).put("result", result).encode());
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/mcp";
    }

    /** Requests received so far, of any method. */
    public int requests() {
        return requests.get();
    }

    /** Connections open to it now. */
    public int openConnections() {
        return connections.get();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
