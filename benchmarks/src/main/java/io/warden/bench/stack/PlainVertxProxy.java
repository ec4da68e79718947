package io.warden.bench.stack;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The floor of a reverse proxy on the gateway's stack: a Vert.x HTTP server that reads each request's body, sends it
 * upstream on a keep-alive pool and writes the answer back, with the gateway's transport (epoll) and one event loop,
 * and nothing else: no policy, no limits, no audit, no MCP parsing. {@link WholeSystem}'s {@code vertx} targets measure
 * it beside nginx, so that what Vert.x and the JVM cost per call shows apart from what Warden adds.
 *
 * <p>Run as its own process: {@code java -cp <classpath> io.warden.bench.stack.PlainVertxProxy --upstream PORT}. Once
 * listening it prints {@code PLAIN_PROXY_LISTENING port=<n>}.
 */
public final class PlainVertxProxy {

    public static final String READY_PREFIX = "PLAIN_PROXY_LISTENING port=";

    /** Headers about one hop's connection, never passed on (RFC 9110 section 7.6.1), and those Vert.x sets itself. */
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "host", "content-length");

    private PlainVertxProxy() {
    }

    public static void main(String[] args) throws Exception {
        int upstream = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--upstream")) {
                upstream = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: PlainVertxProxy --upstream PORT   (unknown argument " + args[i] + ")");
                System.exit(2);
            }
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setDefaultHost("127.0.0.1").setDefaultPort(upstream), new PoolOptions().setHttp1MaxSize(64));
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true))
                .requestHandler(req -> req.body().onSuccess(body -> forward(client, req, body)))
                .listen()
                .onSuccess(s -> bound.complete(s.actualPort()))
                .onFailure(bound::completeExceptionally);
        System.out.println(READY_PREFIX + bound.get());
        System.out.flush();
    }

    private static void forward(HttpClient client, HttpServerRequest req, Buffer body) {
        RequestOptions ro = new RequestOptions().setMethod(req.method()).setURI(req.uri()).setHeaders(endToEnd(req.headers()));
        client.request(ro)
                .compose(out -> out.send(body))
                .compose(res -> res.body().map(b -> Map.entry(res, b)))
                .onSuccess(answer -> {
                    HttpClientResponse res = answer.getKey();
                    req.response().setStatusCode(res.statusCode());
                    req.response().headers().addAll(endToEnd(res.headers()));
                    req.response().end(answer.getValue());
                })
                .onFailure(t -> req.response().setStatusCode(502).end());
    }

    private static MultiMap endToEnd(MultiMap headers) {
        MultiMap copy = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> h : headers) {
            if (!HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                copy.add(h.getKey(), h.getValue());
            }
        }
        return copy;
    }
}
