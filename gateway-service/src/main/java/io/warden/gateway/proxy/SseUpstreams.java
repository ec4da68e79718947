package io.warden.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.SseEvent;
import io.warden.gateway.mcp.SseParser;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Upstream streams of the deprecated HTTP+SSE transport (2024-11-05), one per bridged client session (T-L3): the
 * gateway GETs the upstream's SSE URL, waits for its {@code endpoint} event (same origin only), POSTs the client's
 * messages there, and hands each response arriving on the stream to the client request waiting for that id.
 * Streams live in this pod: a session whose stream is elsewhere is "not found", and the client re-initializes.
 */
final class SseUpstreams {

    /** Marks a gateway session bridged to an upstream stream in this pod; the rest is the channel id. */
    static final String PREFIX = "sse-up:";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One upstream stream and the requests waiting for their answers on it. */
    final class Channel {
        final String id;
        final UpstreamServer server;
        final String grantId;
        Budgets.Permit permit;
        /** The event being assembled on the stream, counted against the pod's buffer budget. */
        final BufferBudget.Lease buffered = budgets.bufferLease();
        HttpClientRequest stream;
        URI postUrl;
        volatile boolean closed;
        final Map<String, Consumer<JsonRpc.Message>> pending = new ConcurrentHashMap<>();

        Channel(String id, UpstreamServer server, String grantId) {
            this.id = id;
            this.server = server;
            this.grantId = grantId;
        }

        /** Waits for the response to {@code id}; the consumer gets null when the stream ends first. */
        void await(String id, Consumer<JsonRpc.Message> onAnswer) {
            pending.put(id, onAnswer);
        }

        void forget(String id) {
            pending.remove(id);
        }

        Future<UpstreamCalls.Reply> post(String body) {
            return calls.postTo(server, postUrl, body);
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            channels.remove(id);
            permit.release();
            buffered.close();
            if (stream != null) {
                stream.reset();
            }
            pending.values().forEach(c -> c.accept(null));
            pending.clear();
        }

        private void onEvent(SseEvent e) {
            if ("endpoint".equals(e.event()) && e.hasData() && postUrl == null) {
                endpoint.tryComplete(e.data().trim());
                return;
            }
            if (!e.hasData()) {
                return;
            }
            JsonRpc.Message m = JsonRpc.parseUpstream(e.data());
            if (m != null && m.isResponse() && m.id() != null) {
                Consumer<JsonRpc.Message> waiting = pending.remove(m.id().toString());
                if (waiting != null) {
                    waiting.accept(m);
                    return;
                }
            }
            // Server notifications and requests have no client stream to go to on this path: dropped, counted.
            metrics.upstreamError(server.id(), "sse_message_dropped");
        }

        private final Promise<String> endpoint = Promise.promise();
    }

    private final Vertx vertx;
    private final UpstreamCalls calls;
    private final GatewayConfig.Limits limits;
    private final ProxyMetrics metrics;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    /** A budget refused the channel before anything was sent upstream. */
    static final class Refused extends RuntimeException {
        final Budgets.Refusal refusal;

        Refused(Budgets.Refusal refusal) {
            super(refusal.cause(), null, false, false);
            this.refusal = refusal;
        }
    }

    private final Budgets budgets;

    /** Tells what a channel to a server takes: a connection of its own, or an HTTP/2 stream slot. */
    private final UpstreamClients clients;

    SseUpstreams(Vertx vertx, UpstreamCalls calls, UpstreamClients clients, GatewayConfig.Limits limits, Budgets budgets) {
        this.clients = clients;
        this.budgets = budgets;
        this.vertx = vertx;
        this.calls = calls;
        this.limits = limits;
        this.metrics = budgets.metrics();
    }

    /** The open channel a session marker names, for this server and grant; null when gone or elsewhere. */
    Channel find(String marker, UpstreamServer server, String grantId) {
        if (marker == null || !marker.startsWith(PREFIX)) {
            return null;
        }
        Channel ch = channels.get(marker.substring(PREFIX.length()));
        return ch != null && !ch.closed && ch.server.id().equals(server.id()) && ch.grantId.equals(grantId) ? ch : null;
    }

    /** Opens the upstream stream and waits for its endpoint; fails with an {@link UpstreamCalls.Failure}. */
    Future<Channel> open(UpstreamServer server, String grantId, URI sseUrl) {
        Budgets.Taken taken = budgets.stream(server.id(), grantId, clients.lane(server));
        if (!taken.granted()) {
            return Future.failedFuture(new Refused(taken.refusal()));
        }
        byte[] raw = new byte[12];
        RANDOM.nextBytes(raw);
        Channel ch = new Channel(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), server, grantId);
        ch.permit = taken.permit();
        channels.put(ch.id, ch);
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Accept", "text/event-stream");
        server.headers().forEach(h::set);
        RequestOptions ro = UpstreamServer.requestOptions(sseUrl).setMethod(HttpMethod.GET).setHeaders(h)
                .setConnectTimeout(limits.upstreamConnectTimeout().toMillis())
                .setIdleTimeout(limits.sseIdleTimeout().toMillis());
        long timer = vertx.setTimer(limits.upstreamResponseTimeout().toMillis(),
                t -> ch.endpoint.tryFail(new UpstreamCalls.Failure("timeout", null)));
        calls.streamClient(server).request(ro).onComplete(ar -> {
            if (ar.failed()) {
                ch.endpoint.tryFail(new UpstreamCalls.Failure("unreachable", ar.cause()));
                return;
            }
            ch.stream = ar.result();
            ch.stream.response().onComplete(rar -> {
                if (rar.failed() || rar.result().statusCode() != 200) {
                    ch.endpoint.tryFail(new UpstreamCalls.Failure(rar.failed() ? "reset"
                            : "status_" + rar.result().statusCode(), rar.cause()));
                    return;
                }
                SseParser parser = new SseParser(limits.maxUpstreamBodyBytes(), ch::onEvent);
                rar.result().handler(chunk -> {
                    if (!parser.feed(chunk.getBytes())) {
                        ch.close();
                    } else if (!ch.buffered.resize(parser.bufferedBytes())) {
                        budgets.countRefusal(server.id(), budgets.buffersExhausted());
                        ch.close();
                    }
                });
                rar.result().exceptionHandler(t -> {
                    ch.endpoint.tryFail(new UpstreamCalls.Failure("reset", t));
                    ch.close();
                });
                rar.result().endHandler(v -> {
                    ch.endpoint.tryFail(new UpstreamCalls.Failure("reset", null));
                    ch.close();
                });
            });
            ch.stream.end();
        });
        return ch.endpoint.future().compose(path -> {
            vertx.cancelTimer(timer);
            URI post = sseUrl.resolve(path);
            // Like the TypeScript SDK client: an endpoint on another origin is refused (SSRF).
            if (!Objects.equals(post.getScheme(), sseUrl.getScheme()) || !Objects.equals(post.getHost(), sseUrl.getHost())
                    || post.getPort() != sseUrl.getPort()) {
                return Future.failedFuture(new UpstreamCalls.Failure("invalid_json", null));
            }
            ch.postUrl = post;
            return Future.succeededFuture(ch);
        }).onFailure(t -> {
            vertx.cancelTimer(timer);
            ch.close();
        });
    }
}
