package io.warden.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
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
 * Tool lists (with the hidden {@code delete_account} beside {@code echo}) where a gateway may not look for them, each
 * answering whatever request came, with its id:
 * <ul>
 *   <li>{@code /tools-as-text}: 200 {@code text/plain} with a JSON tools/list answer</li>
 *   <li>{@code /tools-on-4xx}: 400 {@code application/json} with a tools/list answer</li>
 *   <li>{@code /tools-duplicate}: two {@code result} members, the first with the hidden tool, the last without</li>
 *   <li>{@code /tools-odd-name}: {@code result.Tools}, which a case-insensitive reader takes for the list</li>
 *   <li>{@code /tools-other-id}: POST: an SSE answer whose first event is a tool list for another id, then a plain
 *       result; GET: a stream that carries a tools/list answer and ends</li>
 *   <li>{@code /tools-shapeless}: an SSE answer whose result has no {@code tools} array</li>
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
                case "/tools-as-text" -> req.response().putHeader("Content-Type", "text/plain").end(toolList(body.toString()));
                case "/tools-on-4xx" -> req.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(toolList(body.toString()));
                case "/tools-duplicate" -> req.response().putHeader("Content-Type", "application/json")
                        .end(toolList(body.toString()).replaceFirst("}$", ",\"result\":{\"tools\":[" + ECHO + "]}}"));
                case "/tools-odd-name" -> req.response().putHeader("Content-Type", "application/json")
                        .end(toolList(body.toString()).replace("\"tools\"", "\"Tools\""));
                case "/tools-other-id" -> {
                    req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                    if ("GET".equals(req.method().name())) {
                        req.response().end("id: replayed-1\ndata: " + toolList("{\"id\":1}") + "\n\n");
                    } else {
                        req.response().write("id: e-1\ndata: " + toolList("{\"id\":\"someone-else\"}") + "\n\n");
                        req.response().end("id: e-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(body.toString())
                                + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}\n\n");
                    }
                }
                case "/tools-shapeless" -> req.response().putHeader("Content-Type", "text/event-stream")
                        .end("id: s-1\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + idOf(body.toString())
                                + ",\"result\":{\"tool\":[" + HIDDEN + "]}}\n\n");
                default -> req.response().setStatusCode(404).end();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static final String ECHO = "{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}";
    private static final String HIDDEN = "{\"name\":\"delete_account\",\"inputSchema\":{\"type\":\"object\"}}";

    /** A tools/list answer, hidden tool first, to the request in {@code body}. */
    private static String toolList(String body) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + idOf(body) + ",\"result\":{\"tools\":[" + HIDDEN + "," + ECHO + "]}}";
    }

    private static String idOf(String body) {
        try {
            Object id = new JsonObject(body).getValue("id");
            return id instanceof String s ? "\"" + s + "\"" : String.valueOf(id);
        } catch (RuntimeException e) {
            return "null";
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
