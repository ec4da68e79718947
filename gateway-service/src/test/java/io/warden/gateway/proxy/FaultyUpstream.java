package io.warden.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that misbehaves on purpose, over a real socket: each path is one failure.
 * <ul>
 *   <li>{@code /hang}: reads the request and never answers</li>
 *   <li>{@code /garbage}: 200 application/json with a body that is not JSON</li>
 *   <li>{@code /cut}: starts an SSE answer, sends one progress event, then drops the connection</li>
 *   <li>{@code /fail}: HTTP 500</li>
 *   <li>{@code /unauthorized}: HTTP 401 with a challenge naming the upstream</li>
 *   <li>{@code /huge}: a JSON body larger than the gateway's bound</li>
 *   <li>{@code /long-session}: a legacy server whose session id is longer than the gateway's session token can carry</li>
 * </ul>
 */
public final class FaultyUpstream implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    public FaultyUpstream() throws Exception {
        server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            switch (req.path()) {
                case "/hang" -> { }
                case "/garbage" -> req.response().putHeader("Content-Type", "application/json").end("<html>oops</html>");
                case "/cut" -> {
                    req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                    req.response().write("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
                            + "\"params\":{\"progressToken\":1,\"progress\":1}}\n\n");
                    vertx.setTimer(50, t -> req.connection().close());
                }
                case "/fail" -> req.response().setStatusCode(500).end("internal");
                case "/unauthorized" -> req.response().setStatusCode(401)
                        .putHeader("WWW-Authenticate", "Bearer resource_metadata=\"http://upstream.internal/prm\"").end();
                case "/huge" -> req.response().putHeader("Content-Type", "application/json")
                        .end("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pad\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}}");
                case "/long-session" -> req.response().putHeader("Content-Type", "application/json")
                        .putHeader("Mcp-Session-Id", "s".repeat(4096))
                        .end("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                                + "\"serverInfo\":{\"name\":\"long-session\",\"version\":\"1\"}}}");
                default -> req.response().setStatusCode(404).end();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
