package io.warden.bench.gateway;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest MCP server the benchmark needs: Streamable HTTP at {@code /mcp}, plain JSON answers only, one tool
 * ({@code echo}). It speaks both eras loosely: a legacy client gets an {@code Mcp-Session-Id} from {@code initialize}
 * (never checked afterwards), a 2026-07-28 client just sends its calls. It does as little work per request as a Vert.x
 * server can, so that whatever the gateway adds stands out.
 *
 * <p>Run as its own process: {@code java -cp <classpath> io.warden.bench.gateway.EchoUpstream [--port N] [--threads N]}.
 * Once listening it prints {@code ECHO_UPSTREAM_LISTENING port=<n>} on standard output.
 */
public final class EchoUpstream extends AbstractVerticle {

    public static final String READY_PREFIX = "ECHO_UPSTREAM_LISTENING port=";

    private static final JsonObject TOOLS = new JsonObject().put("tools", new JsonArray().add(new JsonObject()
            .put("name", "echo")
            .put("description", "Returns its message argument as text.")
            .put("inputSchema", new JsonObject()
                    .put("type", "object")
                    .put("properties", new JsonObject().put("message", new JsonObject().put("type", "string")))
                    .put("required", new JsonArray().add("message")))));

    private final int port;
    private final AtomicInteger boundPort;

    private EchoUpstream(int port, AtomicInteger boundPort) {
        this.port = port;
        this.boundPort = boundPort;
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: EchoUpstream [--port N] [--threads N]   (unknown argument " + args[i] + ")");
                    System.exit(2);
                }
            }
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
        AtomicInteger bound = new AtomicInteger();
        CountDownLatch ready = new CountDownLatch(1);
        int requested = port;
        int instances = threads;
        // With port 0 every instance would get its own port: the first instance binds, the others share its port.
        vertx.deployVerticle(new EchoUpstream(requested, bound)).onComplete(first -> {
            if (first.failed()) {
                first.cause().printStackTrace();
                System.exit(1);
            }
            if (instances == 1) {
                ready.countDown();
                return;
            }
            vertx.deployVerticle(() -> new EchoUpstream(bound.get(), new AtomicInteger()),
                    new DeploymentOptions().setInstances(instances - 1)).onComplete(rest -> {
                        if (rest.failed()) {
                            rest.cause().printStackTrace();
                            System.exit(1);
                        }
                        ready.countDown();
                    });
        });
        ready.await();
        System.out.println(READY_PREFIX + bound.get());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().toCompletionStage().toCompletableFuture().join()));
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true))
                .requestHandler(this::handle)
                .listen()
                .onSuccess(server -> {
                    boundPort.set(server.actualPort());
                    started.complete();
                })
                .onFailure(started::fail);
    }

    private void handle(HttpServerRequest req) {
        if (!"/mcp".equals(req.path())) {
            req.response().setStatusCode(404).end();
            return;
        }
        if (req.method() == HttpMethod.DELETE) {
            req.response().setStatusCode(204).end();
            return;
        }
        if (req.method() != HttpMethod.POST) {
            // No server-initiated stream: the spec's answer for a GET we do not serve.
            req.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
            return;
        }
        req.body().onSuccess(body -> answer(req, body));
    }

    private static void answer(HttpServerRequest req, Buffer body) {
        JsonObject msg;
        try {
            msg = new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            json(req, 400, error(null, -32700, "Parse error"), null);
            return;
        }
        String method = msg.getString("method");
        Object id = msg.getValue("id");
        if (method == null) {
            req.response().setStatusCode(202).end(); // a response to something we never asked: accept it
            return;
        }
        if (id == null) {
            req.response().setStatusCode(202).end(); // notifications/initialized and friends
            return;
        }
        JsonObject params = msg.getJsonObject("params", new JsonObject());
        switch (method) {
            case "initialize" -> {
                String asked = params.getString("protocolVersion", "2025-11-25");
                JsonObject result = new JsonObject()
                        .put("protocolVersion", asked)
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "warden-bench-echo").put("version", "1.0.0"));
                json(req, 200, ok(id, result), UUID.randomUUID().toString());
            }
            case "server/discover" -> json(req, 200, ok(id, new JsonObject() // dual-era: Warden's probe then relays either era
                    .put("resultType", "complete")
                    .put("supportedVersions", new JsonArray().add("2026-07-28").add("2025-11-25"))
                    .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                    .put("serverInfo", new JsonObject().put("name", "warden-bench-echo").put("version", "1.0.0"))), null);
            case "ping" -> json(req, 200, ok(id, new JsonObject()), null);
            case "tools/list" -> json(req, 200, ok(id, TOOLS), null);
            case "tools/call" -> {
                if (!"echo".equals(params.getString("name"))) {
                    json(req, 200, error(id, -32602, "Unknown tool: " + params.getString("name")), null);
                    return;
                }
                JsonObject arguments = params.getJsonObject("arguments", new JsonObject());
                Object message = arguments.getValue("message");
                JsonObject result = new JsonObject().put("content",
                        new JsonArray().add(new JsonObject().put("type", "text").put("text", String.valueOf(message))));
                json(req, 200, ok(id, result), null);
            }
            default -> json(req, 200, error(id, -32601, "Method not found: " + method), null);
        }
    }

    private static JsonObject ok(Object id, JsonObject result) {
        return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
    }

    private static JsonObject error(Object id, int code, String message) {
        return new JsonObject().put("jsonrpc", "2.0").put("id", id)
                .put("error", new JsonObject().put("code", code).put("message", message));
    }

    private static void json(HttpServerRequest req, int status, JsonObject body, String sessionId) {
        var out = req.response().setStatusCode(status).putHeader("Content-Type", "application/json");
        if (sessionId != null) {
            out.putHeader("Mcp-Session-Id", sessionId);
        }
        out.end(body.toBuffer());
    }
}
