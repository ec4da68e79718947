package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.warden.gateway.bridge.EraTranslation;
import io.warden.gateway.bridge.Eras;
import io.warden.gateway.bridge.ProbeAnswers;
import io.warden.gateway.logging.LogSafe;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.snapshot.EraPin;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Which protocol eras each upstream speaks (T-L4), probed in the spec's order and cached per upstream URL.
 *
 * <p>The probe: a modern {@code server/discover} POST, then a legacy {@code initialize} POST (its session, if
 * one was issued, is deleted again), and only when neither answered, a GET for the old transport's
 * {@code endpoint} event. One probe per URL is in flight at a time; every request waiting for it shares
 * its future. A clear answer is cached for the TTL; an inconclusive one (5xx, garbage) for a short while;
 * once either is older, it keeps serving while a new probe runs in the background;
 * an unreachable or silent upstream is not cached and the waiting request gets the usual 502/504. An
 * operator's pin ({@code era:} in the configuration) skips the probe; a modern pin still fetches the
 * discover result once per TTL, which the gateway needs to answer legacy clients' {@code initialize}.
 */
final class UpstreamEras {

    private static final Logger LOG = Logger.getLogger(UpstreamEras.class);
    /** A re-probe asked for because requests fail is never sooner than this after the last probe. */
    static final Duration MIN_REPROBE = Duration.ofSeconds(5);
    static final Duration INCONCLUSIVE_TTL = Duration.ofSeconds(30);

    /** What a request learns: the eras, or the upstream failure to answer with. */
    record Outcome(Eras eras, String failure) {
        static Outcome failed(String cause) {
            return new Outcome(Eras.UNKNOWN, cause);
        }
    }

    private record Entry(Future<Outcome> outcome, long startedNanos, long ttlNanos, boolean refreshing) {
        Entry(Future<Outcome> outcome, long startedNanos, long ttlNanos) {
            this(outcome, startedNanos, ttlNanos, false);
        }

        boolean fresh(long now) {
            if (!outcome.isComplete() || refreshing) {
                return true;
            }
            return usable() && now - startedNanos < ttlNanos;
        }

        /** An answer (known or inconclusive) that may serve requests while a newer one is probed. */
        boolean usable() {
            return outcome.isComplete() && outcome.succeeded() && outcome.result().failure() == null;
        }
    }

    private final UpstreamCalls calls;
    private final ProxyMetrics metrics;
    private final Duration ttl;
    private final LongSupplier nanos;
    private final ConcurrentMap<String, Entry> cache = new ConcurrentHashMap<>();

    UpstreamEras(UpstreamCalls calls, ProxyMetrics metrics, Duration ttl, LongSupplier nanos) {
        this.calls = calls;
        this.metrics = metrics;
        this.ttl = ttl;
        this.nanos = nanos;
    }

    /**
     * The eras of {@code server}'s upstream: cached, pinned, or probed now (once for all waiting requests). The future
     * never fails: an upstream failure is an {@link Outcome} with its cause.
     */
    Future<Outcome> resolve(UpstreamServer server) {
        String key = key(server);
        long now = nanos.getAsLong();
        Entry e = cache.get(key);
        if (e != null && e.fresh(now)) {
            return e.outcome();
        }
        if (e != null && e.usable()) {
            refresh(server, key, e, now); // stale: keep serving it; only the very first probe makes requests wait
            return e.outcome();
        }
        Promise<Outcome> mine = Promise.promise();
        Entry fresh = cache.compute(key, (k, old) -> old != null && old.fresh(now) ? old
                : new Entry(mine.future(), now, ttl.toNanos()));
        if (fresh.outcome() == mine.future()) {
            start(server).onComplete(ar -> {
                Outcome o = ar.succeeded() ? ar.result() : Outcome.failed("unreachable");
                if (o.failure() == null && !o.eras().known()) {
                    // Inconclusive: relay as before for a little while, then look again.
                    cache.computeIfPresent(key, (k, v) -> v.outcome() == mine.future()
                            ? new Entry(v.outcome(), v.startedNanos(), INCONCLUSIVE_TTL.toNanos()) : v);
                }
                mine.complete(o);
            });
        }
        return fresh.outcome();
    }

    /** Probes again in the background (once), then swaps the answer in; an unreachable upstream keeps the old one. */
    private void refresh(UpstreamServer server, String key, Entry stale, long now) {
        Entry marked = new Entry(stale.outcome(), stale.startedNanos(), stale.ttlNanos(), true);
        if (!cache.replace(key, stale, marked)) {
            return; // another request started the refresh, or the entry changed
        }
        start(server).onComplete(ar -> {
            Outcome o = ar.succeeded() ? ar.result() : Outcome.failed("unreachable");
            long done = nanos.getAsLong();
            Entry next = o.failure() != null
                    ? new Entry(stale.outcome(), done, MIN_REPROBE.toNanos()) // try again soon, meanwhile as before
                    : new Entry(Future.succeededFuture(o), done, o.eras().known() ? ttl.toNanos() : INCONCLUSIVE_TTL.toNanos());
            cache.replace(key, marked, next);
        });
    }

    /**
     * Requests to this upstream fail in a way that suggests it changed era (e.g. 400/405 where the cached era
     * expected success): forget what was probed, so that the next request probes again.
     */
    void suspect(UpstreamServer server) {
        if (server.era() != EraPin.AUTO) {
            return;
        }
        long now = nanos.getAsLong();
        cache.computeIfPresent(key(server), (k, e) -> e.outcome().isComplete()
                && now - e.startedNanos() >= MIN_REPROBE.toNanos() ? null : e);
    }

    private static String key(UpstreamServer server) {
        // The headers count too: new credentials may reach another deployment behind the same URL. So does the
        // protocol: an h2c-only upstream probed over HTTP/1.1 answers differently.
        return server.url() + "|" + server.era().wire + "|" + server.http2() + "|" + server.headers().hashCode();
    }

    private Future<Outcome> start(UpstreamServer server) {
        return switch (server.era()) {
            case MODERN -> discover(server).map(a -> new Outcome(new Eras(true, false, false, a.result(), null), null))
                    .otherwise(t -> new Outcome(new Eras(true, false, false, null, null), null));
            case LEGACY -> Future.succeededFuture(new Outcome(new Eras(false, true, false, null, null), null));
            case DUAL -> Future.succeededFuture(new Outcome(new Eras(true, true, false, null, null), null));
            case HTTP_SSE -> Future.succeededFuture(new Outcome(new Eras(false, false, true, null, null, server.url()), null));
            case AUTO -> probe(server);
        };
    }

    private Future<Outcome> probe(UpstreamServer server) {
        return discover(server).compose(modern -> initialize(server).recover(t -> Future.succeededFuture(
                        new ProbeAnswers.Answer(ProbeAnswers.Kind.INCONCLUSIVE, null)))
                .compose(legacy -> {
                    if (modern.yes() || legacy.yes()) {
                        return Future.succeededFuture(new Eras(modern.yes(), legacy.yes(), false, modern.result(),
                                legacy.result()));
                    }
                    return httpSse(server).map(sse -> sse != null ? new Eras(false, false, true, null, null, sse) : Eras.UNKNOWN);
                }))
                .map(eras -> {
                    metrics.probe(server.id(), eras.describe());
                    LOG.infof("Upstream %s (%s) speaks: %s", server.id(), LogSafe.url(server.url()), eras.describe());
                    return new Outcome(eras, null);
                })
                .recover(t -> {
                    String cause = UpstreamCalls.causeOf(t);
                    if ("reset".equals(cause) || "too_large".equals(cause)) {
                        metrics.probe(server.id(), "unknown");
                        return Future.succeededFuture(new Outcome(Eras.UNKNOWN, null));
                    }
                    metrics.probe(server.id(), "failed");
                    return Future.succeededFuture(Outcome.failed(cause));
                });
    }

    /** Step 1: a modern server/discover POST with the 2026-07-28 envelope and routing headers. */
    private Future<ProbeAnswers.Answer> discover(UpstreamServer server) {
        ObjectNode req = JsonRpc.NODES.objectNode();
        req.put("jsonrpc", "2.0");
        req.put("id", "warden-probe-discover");
        req.put("method", "server/discover");
        ObjectNode meta = req.putObject("params").putObject("_meta");
        meta.put(Protocol.META_VERSION, Protocol.MODERN);
        meta.putObject(EraTranslation.META_CAPABILITIES);
        ObjectNode info = meta.putObject(EraTranslation.META_CLIENT_INFO);
        info.put("name", "warden");
        info.put("version", McpProxy.VERSION);
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .add(Protocol.H_VERSION, Protocol.MODERN)
                .add(Protocol.H_METHOD, "server/discover");
        return calls.post(server, h, req.toString())
                .map(r -> ProbeAnswers.discover(r.status(), r.contentType(), r.body()));
    }

    /** Step 2: a legacy initialize; a session it opened is ended again at once. */
    private Future<ProbeAnswers.Answer> initialize(UpstreamServer server) {
        ObjectNode caps = JsonRpc.NODES.objectNode();
        ObjectNode info = JsonRpc.NODES.objectNode();
        info.put("name", "warden-probe");
        info.put("version", McpProxy.VERSION);
        ObjectNode req = EraTranslation.initializeRequest(JsonRpc.NODES.textNode("warden-probe-initialize"),
                EraTranslation.LATEST_LEGACY, caps, info);
        return calls.post(server, MultiMap.caseInsensitiveMultiMap(), req.toString()).map(r -> {
            ProbeAnswers.Answer a = ProbeAnswers.initialize(r.status(), r.contentType(), r.body());
            if (r.sessionId() != null) {
                JsonNode v = a.result() == null ? null : a.result().get("protocolVersion");
                calls.delete(server, MultiMap.caseInsensitiveMultiMap().add(Protocol.H_SESSION, r.sessionId())
                        .add(Protocol.H_VERSION, v != null && v.isTextual() ? v.asText() : EraTranslation.LATEST_LEGACY));
            }
            return a;
        });
    }

    /** Step 3: the old transport, on the configured URL, then on its sibling {@code /sse}. */
    private Future<URI> httpSse(UpstreamServer server) {
        URI url = server.url();
        URI sibling = url.resolve("sse");
        return calls.sseEndpoint(server, url).compose(found -> {
            if (found) {
                return Future.succeededFuture(url);
            }
            if (url.getPath() == null || url.getPath().endsWith("/sse")) {
                return Future.succeededFuture(null);
            }
            return calls.sseEndpoint(server, sibling).map(f -> f ? sibling : null);
        });
    }
}
