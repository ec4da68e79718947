package io.warden.gateway.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A 2025-11-25 MCP upstream speaking h2c (HTTP/2 with prior knowledge; HTTP/1.1 too, on the same port): {@code echo}
 * echoes, {@code initialize} opens a session, a GET holds an SSE stream open until the test ends or resets it. Records
 * the protocol of every request and the connections that carried streams, so a test can count them.
 */
public final class H2cUpstream implements AutoCloseable {

    /** One open GET stream: its response and the event loop it belongs to. */
    private record Stream(HttpServerResponse response, Context context, HttpConnection connection) {}

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicInteger http2Requests = new AtomicInteger();
    private final AtomicInteger http1Requests = new AtomicInteger();
    private final AtomicInteger gets = new AtomicInteger();
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final AtomicInteger nextStream = new AtomicInteger();
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final Set<HttpConnection> streamConnections = ConcurrentHashMap.newKeySet();

    /** @param maxConcurrentStreams what the server advertises in its SETTINGS */
    public H2cUpstream(long maxConcurrentStreams) throws Exception {
        server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true)
                        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(maxConcurrentStreams)))
                .connectionHandler(conn -> {
                    connectionsOpen.incrementAndGet();
                    conn.closeHandler(v -> connectionsOpen.decrementAndGet());
                })
                .requestHandler(req -> {
                    (req.version() == HttpVersion.HTTP_2 ? http2Requests : http1Requests).incrementAndGet();
                    if (req.method() == HttpMethod.GET) {
                        gets.incrementAndGet();
                        int id = nextStream.incrementAndGet();
                        HttpServerResponse resp = req.response();
                        streams.put(id, new Stream(resp, Vertx.currentContext(), req.connection()));
                        streamConnections.add(req.connection());
                        resp.closeHandler(v -> streams.remove(id));
                        resp.endHandler(v -> streams.remove(id));
                        resp.exceptionHandler(t -> streams.remove(id));
                        resp.setChunked(req.version() != HttpVersion.HTTP_2)
                                .putHeader("Content-Type", "text/event-stream")
                                .write(": open " + id + "\n\n");
                        return;
                    }
                    req.body().onSuccess(body -> {
                        if (req.method() != HttpMethod.POST) {
                            req.response().setStatusCode(req.method() == HttpMethod.DELETE ? 200 : 405).end();
                            return;
                        }
                        JsonObject msg = body.toJsonObject();
                        if (!msg.containsKey("id")) {
                            req.response().setStatusCode(202).end();
                            return;
                        }
                        boolean init = "initialize".equals(msg.getString("method"));
                        JsonObject result = init
                                ? new JsonObject().put("protocolVersion", "2025-11-25").put("capabilities", new JsonObject())
                                        .put("serverInfo", new JsonObject().put("name", "h2c").put("version", "1"))
                                : new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text")
                                        .put("text", "echo: " + msg.getJsonObject("params", new JsonObject())
                                                .getJsonObject("arguments", new JsonObject()).getString("message")
                                                + " over " + req.version())));
                        if (init) {
                            req.response().putHeader("Mcp-Session-Id", "h2c-" + nextStream.incrementAndGet());
                        }
                        req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                                .put("jsonrpc", "2.0").put("id", msg.getValue("id")).put("result", result).encode());
                    });
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/mcp";
    }

    public int http2Requests() {
        return http2Requests.get();
    }

    public int http1Requests() {
        return http1Requests.get();
    }

    /** GET requests received so far. */
    public int gets() {
        return gets.get();
    }

    /** GET streams open now, by the id written in each stream's first comment ({@code : open <id>}). */
    public Set<Integer> openStreams() {
        return Set.copyOf(streams.keySet());
    }

    /** Distinct connections that carried a GET stream so far. */
    public int streamConnections() {
        return streamConnections.size();
    }

    /** Connections open to it now. */
    public int connectionsOpen() {
        return connectionsOpen.get();
    }

    /** Sends a JSON-RPC notification as an SSE event on every open stream. */
    public void notifyAll(String method) {
        String event = "event: message\ndata: " + new JsonObject().put("jsonrpc", "2.0").put("method", method).encode()
                + "\n\n";
        streams.values().forEach(s -> s.context().runOnContext(v -> s.response().write(event)));
    }

    /**
     * Writes {@code events} SSE events of {@code bytes} each on stream {@code id} as fast as HTTP/2 flow control lets it,
     * without waiting for the client; the count written so far is in {@link #written()}.
     */
    public void flood(int id, int events, int bytes) {
        Stream s = streams.get(id);
        String event = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\""
                + "x".repeat(bytes) + "\"}}\n\n";
        s.context().runOnContext(v -> floodNext(s.response(), event, events));
    }

    private final AtomicInteger written = new AtomicInteger();

    private void floodNext(HttpServerResponse out, String event, int left) {
        while (left > 0 && !out.writeQueueFull()) {
            out.write(event);
            written.incrementAndGet();
            left--;
        }
        if (left > 0) {
            int rest = left;
            out.drainHandler(v -> floodNext(out, event, rest));
        }
    }

    /** Flood events written so far (queued by the server: HTTP/2 flow control holds them when the reader stops). */
    public int written() {
        return written.get();
    }

    /** Resets stream {@code id} (RST_STREAM over HTTP/2); its connection stays open. */
    public void reset(int id) {
        Stream s = streams.get(id);
        s.context().runOnContext(v -> s.response().reset());
    }

    /** Ends stream {@code id} normally. */
    public void end(int id) {
        Stream s = streams.get(id);
        s.context().runOnContext(v -> s.response().end());
    }

    @Override
    public void close() {
        vertx.close();
    }
}
