package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.warden.gateway.bridge.EraTranslation;
import io.warden.gateway.bridge.ProbeAnswers;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.snapshot.UpstreamServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Upstream legacy sessions the gateway holds for modern clients of a legacy-only upstream, one per
 * (server, grant) in this pod, opened lazily with the first client's {@code _meta} clientInfo and
 * capabilities ({@code initialize} + {@code notifications/initialized}). Bounded: idle sessions and the
 * least recently used beyond the cap are ended with a DELETE. A session the upstream forgot (404) is
 * dropped, and the next request opens a new one.
 */
final class LegacySessions {

    static final int MAX_SESSIONS = 256;
    static final Duration IDLE = Duration.ofMinutes(10);

    /** An open upstream session: its id (null for a stateless legacy upstream), version and InitializeResult. */
    record Session(String id, String version, JsonNode initializeResult) {}

    private static final class Entry {
        final Future<Session> session;
        long lastUsedNanos;

        Entry(Future<Session> session, long now) {
            this.session = session;
            this.lastUsedNanos = now;
        }
    }

    private final UpstreamCalls calls;
    private final LongSupplier nanos;
    private final LinkedHashMap<String, Entry> open = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, UpstreamServer> servers = new java.util.HashMap<>();

    LegacySessions(UpstreamCalls calls, LongSupplier nanos) {
        this.calls = calls;
        this.nanos = nanos;
    }

    /** The session of (server, grant), opened now when there is none. */
    Future<Session> session(UpstreamServer server, String grantId, JsonNode capabilities, JsonNode clientInfo) {
        String key = server.id() + "\n" + grantId;
        long now = nanos.getAsLong();
        List<Map.Entry<UpstreamServer, Session>> evicted = new ArrayList<>();
        Future<Session> result;
        synchronized (this) {
            Entry e = open.get(key);
            if (e != null && e.session.failed()) {
                open.remove(key);
                e = null;
            }
            UpstreamServer was = servers.get(key);
            if (e != null && !server.equals(was)) {
                // The server's URL or headers changed (a new snapshot): that session belongs to the old upstream.
                open.remove(key);
                servers.remove(key);
                if (e.session.succeeded() && was != null) {
                    evicted.add(Map.entry(was, e.session.result()));
                }
                e = null;
            }
            if (e == null) {
                Promise<Session> p = Promise.promise();
                e = new Entry(p.future(), now);
                open.put(key, e);
                servers.put(key, server);
                initialize(server, capabilities, clientInfo).onComplete(p);
            }
            e.lastUsedNanos = now;
            result = e.session;
            for (Iterator<Map.Entry<String, Entry>> it = open.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Entry> old = it.next();
                boolean idle = now - old.getValue().lastUsedNanos > IDLE.toNanos();
                if ((idle || open.size() > MAX_SESSIONS) && old.getValue() != e) {
                    it.remove();
                    UpstreamServer s = servers.remove(old.getKey());
                    if (old.getValue().session.succeeded() && s != null) {
                        evicted.add(Map.entry(s, old.getValue().session.result()));
                    }
                } else if (!idle) {
                    break; // access order: the rest were used more recently
                }
            }
        }
        evicted.forEach(en -> end(en.getKey(), en.getValue()));
        return result;
    }

    /** The upstream answered 404 for this session: forget it; the next request opens a new one. */
    synchronized void forget(UpstreamServer server, String grantId, Session s) {
        String key = server.id() + "\n" + grantId;
        Entry e = open.get(key);
        if (e != null && e.session.succeeded() && e.session.result() == s) {
            open.remove(key);
            servers.remove(key);
        }
    }

    synchronized int size() {
        return open.size();
    }

    private Future<Session> initialize(UpstreamServer server, JsonNode capabilities, JsonNode clientInfo) {
        String body = EraTranslation.initializeRequest(JsonRpc.NODES.textNode("warden-initialize"),
                EraTranslation.LATEST_LEGACY, capabilities, clientInfo).toString();
        return calls.post(server, MultiMap.caseInsensitiveMultiMap(), body).compose(r -> {
            ProbeAnswers.Answer a = ProbeAnswers.initialize(r.status(), r.contentType(), r.body());
            if (!a.yes()) {
                return Future.failedFuture(new UpstreamCalls.Failure(r.status() >= 500 ? "status_" + r.status()
                        : "invalid_json", null));
            }
            String version = a.result().path("protocolVersion").asText(EraTranslation.LATEST_LEGACY);
            Session s = new Session(r.sessionId(), version, a.result());
            MultiMap h = headers(s);
            return calls.post(server, h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").map(ok -> s);
        });
    }

    private void end(UpstreamServer server, Session s) {
        if (s.id() != null) {
            calls.delete(server, headers(s));
        }
    }

    static MultiMap headers(Session s) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add(Protocol.H_VERSION, s.version());
        if (s.id() != null) {
            h.add(Protocol.H_SESSION, s.id());
        }
        return h;
    }
}
