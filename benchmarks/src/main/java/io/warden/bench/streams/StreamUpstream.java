package io.warden.bench.streams;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upstream of the streams benchmark: a 2025-11-25 MCP server built to hold many standalone GET streams cheaply. A
 * stream is the response object and nothing else (no buffers, no per-stream timers); one timer writes an SSE comment
 * to every stream every {@code --heartbeat} seconds so that idle timeouts on the way never fire. {@code initialize}
 * opens a session, {@code tools/call} echoes, notifications get 202, {@code DELETE} 200. {@code GET /stats} answers the
 * number of streams open, {@code GET /stats/connections} the connections open and how many of them carry HTTP/2.
 * HTTP/1.1 and h2c with prior knowledge are served on the same port; over HTTP/2 it advertises
 * {@code --h2-max-streams} concurrent streams per connection (100 by default, the common value). Prints
 * {@value #READY_PREFIX}{@code <port>} once listening.
 */
public final class StreamUpstream {

    static final String READY_PREFIX = "STREAM_UPSTREAM_READY port=";

    private final Set<HttpServerResponse> streams = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    private final Set<io.vertx.core.http.HttpConnection> http2Connections = ConcurrentHashMap.newKeySet();

    public static void main(String[] args) {
        int port = 0;
        int threads = 1;
        int heartbeatSeconds = 30;
        long h2MaxStreams = 100;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--heartbeat" -> heartbeatSeconds = Integer.parseInt(args[i + 1]);
                case "--h2-max-streams" -> h2MaxStreams = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        new StreamUpstream().start(port, threads, heartbeatSeconds, h2MaxStreams);
    }

    private void start(int port, int threads, int heartbeatSeconds, long h2MaxStreams) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
        vertx.setPeriodic(heartbeatSeconds * 1000L, t -> streams.forEach(s -> s.write(":\n\n")));
        vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(0).setAcceptBacklog(4096)
                        .setHttp2ClearTextEnabled(true)
                        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(h2MaxStreams)))
                .connectionHandler(conn -> {
                    connections.incrementAndGet();
                    conn.closeHandler(v -> {
                        connections.decrementAndGet();
                        http2Connections.remove(conn);
                    });
                })
                .requestHandler(req -> {
                    if (req.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
                        http2Connections.add(req.connection());
                    }
                    if (req.method() == HttpMethod.GET && "/stats".equals(req.path())) {
                        req.response().end(String.valueOf(streams.size()));
                    } else if (req.method() == HttpMethod.GET && "/stats/connections".equals(req.path())) {
                        req.response().end(connections.get() + " open, " + http2Connections.size() + " of them HTTP/2");
                    } else if (req.method() == HttpMethod.GET) {
                        HttpServerResponse out = req.response().setChunked(req.version() != io.vertx.core.http.HttpVersion.HTTP_2)
                                .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
                        out.write(": open\n\n");
                        streams.add(out);
                        out.closeHandler(v -> streams.remove(out));
                    } else if (req.method() == HttpMethod.DELETE) {
                        req.response().end();
                    } else {
                        req.body().onSuccess(body -> answer(req.response(), body.toJsonObject()));
                    }
                })
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.println(READY_PREFIX + s.actualPort()))
                .onFailure(t -> {
                    t.printStackTrace();
                    System.exit(1);
                });
    }

    private static void answer(HttpServerResponse out, JsonObject msg) {
        if (!msg.containsKey("id")) {
            out.setStatusCode(202).end();
            return;
        }
        JsonObject result;
        if ("initialize".equals(msg.getString("method"))) {
            out.putHeader("Mcp-Session-Id", UUID.randomUUID().toString());
            result = new JsonObject().put("protocolVersion", "2025-11-25")
                    .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                    .put("serverInfo", new JsonObject().put("name", "stream-upstream").put("version", "1"));
        } else {
            String text = msg.getJsonObject("params", new JsonObject()).getJsonObject("arguments", new JsonObject())
                    .getString("message", "");
            result = new JsonObject().put("content", new io.vertx.core.json.JsonArray()
                    .add(new JsonObject().put("type", "text").put("text", "echo: " + text)));
        }
        out.putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("jsonrpc", "2.0").put("id", msg.getValue("id")).put("result", result).encode());
    }
}
