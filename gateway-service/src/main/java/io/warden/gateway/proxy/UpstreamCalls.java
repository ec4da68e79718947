package io.warden.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.warden.gateway.bridge.ProbeAnswers;
import io.warden.gateway.config.GatewayConfig;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;

/**
 * The gateway's own small requests to an upstream (era probes, opening and ending bridged legacy
 * sessions): bounded bodies, the same timeouts as relayed requests, never a blocking call, never a pooled
 * connection. A failed
 * future carries {@link Failure} naming the cause the proxy answers with (502 unreachable, 504 timeout).
 */
final class UpstreamCalls {

    /** Bodies the gateway reads for itself are small: an initialize or discover result. */
    private static final int MAX_BODY = 256 * 1024;
    private static final int MAX_SSE_PEEK = 8 * 1024;

    /** An upstream failure, with the cause {@link McpProxy#upstreamFailed} understands. */
    static final class Failure extends RuntimeException {
        final String cause;

        Failure(String cause, Throwable t) {
            super(cause, t, false, false);
            this.cause = cause;
        }
    }

    /** The cause to answer a failed call with: the {@link Failure}'s, else "unreachable". */
    static String causeOf(Throwable t) {
        return t instanceof Failure f ? f.cause : "unreachable";
    }

    /** The cause of a finished call that failed or answered other than 2xx; null when it succeeded. */
    static String failureOf(io.vertx.core.AsyncResult<Reply> ar) {
        if (ar.failed()) {
            return causeOf(ar.cause());
        }
        return ar.result().status() / 100 == 2 ? null : "status_" + ar.result().status();
    }

    /** One bounded upstream answer. */
    record Reply(int status, String contentType, String sessionId, String body) {}

    private final Vertx vertx;
    private final HttpClient client;
    /** The HTTP/2 clients, for servers marked {@code http2}; null: every server over {@link #client}. */
    private final UpstreamClients http2;
    private final GatewayConfig.Limits limits;

    UpstreamCalls(Vertx vertx, HttpClient client, GatewayConfig.Limits limits) {
        this(vertx, client, null, limits);
    }

    UpstreamCalls(Vertx vertx, HttpClient client, UpstreamClients http2, GatewayConfig.Limits limits) {
        this.vertx = vertx;
        this.client = client;
        this.http2 = http2;
        this.limits = limits;
    }

    /**
     * The unpooled HTTP/1.1 client, or for an HTTP/2 server the calling loop's HTTP/2 call client: cutting an HTTP/2
     * request resets only its own stream, so sharing those connections is safe (and an h2c-only server has no other way).
     */
    private HttpClient clientFor(UpstreamServer server) {
        return http2 != null && server.http2() ? http2.calls(server) : client;
    }

    /** Connection headers do not exist in HTTP/2 (RFC 9113 §8.2.2): sent there, the request would be malformed. */
    private static void closeAfter(UpstreamServer server, MultiMap h) {
        if (!server.http2()) {
            h.set("Connection", "close");
        }
    }

    Future<Reply> post(UpstreamServer server, MultiMap headers, String body) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(headers);
        h.set("Content-Type", "application/json");
        h.set("Accept", "application/json, text/event-stream");
        return call(server.requestOptions(), server, HttpMethod.POST, h, body);
    }

    /** A POST to another URL of the same upstream (the old transport's announced message endpoint). */
    Future<Reply> postTo(UpstreamServer server, URI url, String body) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
        return call(UpstreamServer.requestOptions(url), server, HttpMethod.POST, h, body);
    }

    HttpClient client() {
        return client;
    }

    /** The client for the gateway's own long-lived streams to {@code server} (HTTP+SSE channels). */
    HttpClient streamClient(UpstreamServer server) {
        return http2 != null && server.http2() ? http2.streams(server) : client;
    }

    Future<Reply> delete(UpstreamServer server, MultiMap headers) {
        return call(server.requestOptions(), server, HttpMethod.DELETE, headers, null);
    }

    /** True when a GET on {@code url} opens an old-transport stream whose first event is {@code endpoint}. */
    Future<Boolean> sseEndpoint(UpstreamServer server, URI url) {
        Promise<Boolean> p = Promise.promise();
        RequestOptions ro = UpstreamServer.requestOptions(url).setMethod(HttpMethod.GET)
                .setConnectTimeout(limits.upstreamConnectTimeout().toMillis());
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Accept", "text/event-stream");
        closeAfter(server, h);
        server.headers().forEach(h::set);
        ro.setHeaders(h);
        clientFor(server).request(ro).onComplete(ar -> {
            if (ar.failed()) {
                p.tryComplete(false);
                return;
            }
            HttpClientRequest req = ar.result();
            long timer = vertx.setTimer(limits.upstreamResponseTimeout().toMillis(), t -> {
                p.tryComplete(false);
                req.reset();
            });
            req.response().onComplete(rar -> {
                if (rar.failed() || rar.result().statusCode() != 200) {
                    vertx.cancelTimer(timer);
                    p.tryComplete(false);
                    if (rar.succeeded()) {
                        rar.result().handler(b -> { }).exceptionHandler(t -> { });
                        req.reset();
                    }
                    return;
                }
                Buffer seen = Buffer.buffer();
                rar.result().exceptionHandler(t -> p.tryComplete(false));
                rar.result().endHandler(v -> p.tryComplete(ProbeAnswers.endpointEvent(seen.toString())));
                rar.result().handler(chunk -> {
                    seen.appendBuffer(chunk);
                    if (ProbeAnswers.endpointEvent(seen.toString()) || seen.length() > MAX_SSE_PEEK) {
                        vertx.cancelTimer(timer);
                        p.tryComplete(ProbeAnswers.endpointEvent(seen.toString()));
                        req.reset(); // the probe only needed the first event: close the stream
                    }
                });
            });
            req.end();
        });
        return p.future();
    }

    private Future<Reply> call(RequestOptions base, UpstreamServer server, HttpMethod method, MultiMap headers, String body) {
        Promise<Reply> p = Promise.promise();
        MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(headers);
        // Never pooled: a probe may cut its connection (a stream it only peeks at, an oversized body), and a cut
        // pooled connection could be handed to the next relayed request.
        closeAfter(server, h);
        server.headers().forEach(h::set);
        RequestOptions ro = base.setMethod(method).setConnectTimeout(limits.upstreamConnectTimeout().toMillis())
                .setHeaders(h);
        clientFor(server).request(ro).onComplete(ar -> {
            if (ar.failed()) {
                p.tryFail(new Failure("unreachable", ar.cause()));
                return;
            }
            HttpClientRequest req = ar.result();
            long timer = vertx.setTimer(limits.upstreamResponseTimeout().toMillis(), t -> {
                p.tryFail(new Failure("timeout", null));
                req.reset();
            });
            req.response().onComplete(rar -> {
                if (rar.failed()) {
                    vertx.cancelTimer(timer);
                    p.tryFail(new Failure("reset", rar.cause()));
                    return;
                }
                var resp = rar.result();
                Buffer buf = Buffer.buffer();
                resp.handler(chunk -> {
                    if (buf.length() + chunk.length() > MAX_BODY) {
                        vertx.cancelTimer(timer);
                        p.tryFail(new Failure("too_large", null));
                        req.reset();
                        return;
                    }
                    buf.appendBuffer(chunk);
                });
                resp.exceptionHandler(t -> {
                    vertx.cancelTimer(timer);
                    p.tryFail(new Failure("reset", t));
                });
                resp.endHandler(v -> {
                    vertx.cancelTimer(timer);
                    p.tryComplete(new Reply(resp.statusCode(), resp.getHeader("Content-Type"),
                            resp.getHeader(io.warden.gateway.mcp.Protocol.H_SESSION), buf.toString()));
                });
            });
            if (body == null) {
                req.end();
            } else {
                req.end(body);
            }
        });
        return p.future();
    }

}
