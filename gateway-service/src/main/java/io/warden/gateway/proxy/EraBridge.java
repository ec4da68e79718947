package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.warden.gateway.approval.ClientElicitation;
import io.warden.gateway.bridge.EraTranslation;
import io.warden.gateway.bridge.EraTranslation.BridgedClient;
import io.warden.gateway.bridge.Eras;
import io.warden.gateway.bridge.ProbeAnswers;
import io.warden.gateway.bridge.Route;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.ratelimit.RefundRule;
import io.warden.gateway.mcp.UpstreamJson;
import io.warden.gateway.policy.HiddenTools;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last step before the upstream: learn which eras the upstream speaks ({@link UpstreamEras}), choose
 * the route, and either relay the request as it is or translate it between eras. Policy, limits and the
 * decision record already happened in {@link McpProxy}; translated answers go through the same
 * {@link Relay}, so its hooks (hidden-tool filtering, unknown-tool wording, refunds) apply unchanged.
 */
final class EraBridge {

    /** Per-exchange rewriting the relay applies while it carries a translated answer. */
    interface Translation {
        /** Returned by {@link #status} when the translation took the exchange over (the relay drops the answer). */
        int TAKEN_OVER = -1;

        /** The status the client sees for the upstream's status, or {@link #TAKEN_OVER}. */
        int status(int upstreamStatus, String contentType);

        /** Adjusts the headers that go upstream (after the proxy chose the MCP ones it relays). */
        void headers(MultiMap upstreamHeaders);

        /** Rewrites one upstream response to the client's era, in place; true when it changed. */
        boolean response(ObjectNode message);

        /** False when {@link #response} never changes anything, so the relay may pass plain results unparsed. */
        default boolean rewritesResponses() {
            return true;
        }
    }

    private final McpProxy proxy;
    private final Vertx vertx;
    private final UpstreamEras eras;
    private final UpstreamCalls calls;
    private final SseUpstreams sseUpstreams;
    private final LegacySessions legacySessions;
    /** Per server: tool → argument → {@code Mcp-Param-*} header suffix, learned from tools/list (SEP-2243). */
    private final Map<String, Map<String, Map<String, String>>> paramHeaders = new ConcurrentHashMap<>();

    EraBridge(McpProxy proxy, Vertx vertx, UpstreamCalls calls, UpstreamEras eras, LegacySessions legacySessions,
              SseUpstreams sseUpstreams) {
        this.proxy = proxy;
        this.calls = calls;
        this.sseUpstreams = sseUpstreams;
        this.vertx = vertx;
        this.eras = eras;
        this.legacySessions = legacySessions;
    }

    void forward(Exchange ex, HttpMethod method, Buffer body) {
        BridgedClient bridged = ex.session == null ? null : BridgedClient.fromMarker(ex.session.upstreamSessionId());
        boolean initialize = ex.message != null && "initialize".equals(ex.message.method());
        if (bridged != null && !ex.modern() && !initialize) {
            legacyToModern(ex, method, body, bridged, null);
            return;
        }
        String marker = ex.session == null ? null : ex.session.upstreamSessionId();
        if (marker != null && marker.startsWith(SseUpstreams.PREFIX) && !ex.modern() && !initialize) {
            SseUpstreams.Channel ch = sseUpstreams.find(marker, ex.server, ex.grant.id());
            if (ch == null) {
                // Its upstream stream ended, or lives in another pod: the client re-initializes.
                proxy.reply(ex, 404, JsonRpc.error(ex.message == null ? null : ex.message.id(), -32001, "Session not found"),
                        "session_not_found");
                return;
            }
            legacyToHttpSse(ex, method, body, ch, null);
            return;
        }
        Future<UpstreamEras.Outcome> known = eras.resolve(ex.server);
        if (known.isComplete()) {
            route(ex, method, body, known.result()); // the usual case: cached, no hop through the event loop
            return;
        }
        Context context = vertx.getOrCreateContext();
        known.onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> route(ex, method, body, ar.result()))));
    }

    private void route(Exchange ex, HttpMethod method, Buffer body, UpstreamEras.Outcome o) {
        if (o.failure() != null) {
            proxy.upstreamFailed(ex, o.failure(), null);
            return;
        }
        switch (Route.choose(ex.modern(), false, o.eras())) {
            case DIRECT -> direct(ex, method, body, o.eras());
            case LEGACY_TO_MODERN -> legacyToModern(ex, method, body, null, o.eras());
            case MODERN_TO_LEGACY -> modernToLegacy(ex, method, body, true);
            case LEGACY_TO_HTTP_SSE -> legacyToHttpSse(ex, method, body, null, o.eras());
            case UNSUPPORTED_HTTP_SSE -> unsupported(ex);
        }
    }

    // ---- same era: relayed as it is, watched for a changed era ----------------------------------

    private void direct(Exchange ex, HttpMethod method, Buffer body, Eras known) {
        if (known.known()) {
            ex.translation = new Watch(ex);
        }
        proxy.send(ex, method, body);
    }

    /** No rewriting; an initialize refused with 4xx, or a 405, suggests the upstream's era changed. */
    private final class Watch implements Translation {
        private final Exchange ex;

        Watch(Exchange ex) {
            this.ex = ex;
        }

        @Override
        public int status(int upstreamStatus, String contentType) {
            boolean initialize = ex.message != null && "initialize".equals(ex.message.method());
            if (upstreamStatus == 405 && ex.message != null || initialize && upstreamStatus / 100 == 4) {
                eras.suspect(ex.server);
            }
            return upstreamStatus;
        }

        @Override
        public void headers(MultiMap upstreamHeaders) {
        }

        @Override
        public boolean response(ObjectNode message) {
            return false;
        }

        @Override
        public boolean rewritesResponses() {
            return false;
        }
    }

    // ---- legacy client, modern-only upstream ----------------------------------------------------

    private void legacyToModern(Exchange ex, HttpMethod method, Buffer body, BridgedClient bridged, Eras known) {
        if (method == HttpMethod.GET) {
            noServerStream(ex);
            return;
        }
        if (method == HttpMethod.DELETE) {
            sessionEnded(ex);
            return;
        }
        JsonRpc.Message m = ex.message;
        if ("initialize".equals(m.method()) && m.isRequest()) {
            answerInitialize(ex, known);
            return;
        }
        if (!m.isRequest()) {
            // 2026-07-28 has no client notifications on HTTP and never asks the client anything: accept and drop.
            accepted(ex);
            return;
        }
        ObjectNode local = EraTranslation.localLegacyAnswer(m);
        if (local != null) {
            proxy.reply(ex, 200, local, "bridged_local");
            return;
        }
        BridgedClient client = bridged != null ? bridged : BridgedClient.of(null);
        if ("tools/call".equals(m.method()) && !paramHeaders.containsKey(ex.server.id())) {
            // A tool may declare arguments that must travel as headers; learn them once before the first call.
            learnParamHeaders(ex, client, () -> sendModern(ex, client));
            return;
        }
        sendModern(ex, client);
    }

    private void sendModern(Exchange ex, BridgedClient client) {
        JsonRpc.Message m = ex.message;
        ObjectNode modern = EraTranslation.toModern(m.raw(), client);
        Map<String, String> headers = new LinkedHashMap<>(EraTranslation.modernHeaders(m));
        if ("tools/call".equals(m.method()) && m.params() != null) {
            headers.putAll(EraTranslation.paramHeaders(paramHeaders.getOrDefault(ex.server.id(), Map.of()).get(m.target()),
                    m.params().get("arguments")));
        }
        ex.session = null; // the upstream is stateless: no session id upstream, and a 404 is not "session gone"
        ex.translation = new Translation() {
            @Override
            public int status(int upstreamStatus, String contentType) {
                // Modern errors travel on 4xx (unknown method: 404); a legacy client reads a 404 as
                // "session expired" and expects method errors in-band: give it the error on 200.
                boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
                if ((upstreamStatus == 400 || upstreamStatus == 404) && json) {
                    return 200;
                }
                if (upstreamStatus == 405) {
                    eras.suspect(ex.server);
                }
                return upstreamStatus;
            }

            @Override
            public void headers(MultiMap h) {
                h.remove("Last-Event-ID");
                headers.forEach(h::set);
            }

            @Override
            public boolean response(ObjectNode message) {
                if ("tools/list".equals(m.method())) {
                    learn(ex.server.id(), message.get("result"));
                }
                return EraTranslation.toLegacyResponse(message);
            }
        };
        proxy.send(ex, HttpMethod.POST, Buffer.buffer(JsonRpc.bytes(modern)));
    }

    private void learn(String serverId, JsonNode toolsListResult) {
        if (toolsListResult != null) {
            paramHeaders.computeIfAbsent(serverId, k -> new ConcurrentHashMap<>())
                    .putAll(EraTranslation.declaredParamHeaders(toolsListResult));
        }
    }

    /** Reads the upstream's tool list (every page, at most 20) for header declarations, then goes on either way. */
    private void learnParamHeaders(Exchange ex, BridgedClient client, Runnable next) {
        Context context = vertx.getOrCreateContext();
        fetchTools(ex, client, null, 0).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            paramHeaders.computeIfAbsent(ex.server.id(), k -> new ConcurrentHashMap<>()); // once, even when it failed
            next.run();
        })));
    }

    private Future<Void> fetchTools(Exchange ex, BridgedClient client, String cursor, int page) {
        ObjectNode req = JsonRpc.NODES.objectNode().put("jsonrpc", "2.0").put("id", "warden-tools-" + page)
                .put("method", "tools/list");
        if (cursor != null) {
            req.putObject("params").put("cursor", cursor);
        }
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add(Protocol.H_VERSION, Protocol.MODERN).add(Protocol.H_METHOD, "tools/list");
        return calls.post(ex.server, h, EraTranslation.toModern(req, client).toString()).compose(r -> {
            JsonNode msg = ProbeAnswers.message(r.contentType(), r.body());
            JsonNode result = msg == null ? null : msg.get("result");
            learn(ex.server.id(), result == null ? JsonRpc.NODES.objectNode() : result);
            String next = result == null ? null : result.path("nextCursor").asText(null);
            return next != null && page < 19 ? fetchTools(ex, client, next, page + 1) : Future.<Void>succeededFuture();
        });
    }

    /** A legacy server without a stream for unsolicited messages answers a GET with 405; so does the bridge. */
    private void noServerStream(Exchange ex) {
        ex.out.header("Allow", "POST, DELETE");
        proxy.reply(ex, 405, JsonRpc.error(null, JsonRpc.BAD_REQUEST,
                "Method Not Allowed: this server has no stream for server-initiated messages"), "bridged_get");
    }

    /** A notification or response the bridge took: 202 with an empty body, as Streamable HTTP wants. */
    private void accepted(Exchange ex) {
        proxy.metrics().request(ex.serverTag(), ex.rpcMethod(), "202");
        ex.out.answer(202, null, Buffer.buffer());
    }

    private void sessionEnded(Exchange ex) {
        proxy.metrics().request(ex.serverTag(), ex.rpcMethod(), "bridged_delete");
        ex.out.answer(200, null, Buffer.buffer());
    }

    private void answerInitialize(Exchange ex, Eras known) {
        JsonNode params = ex.message.params();
        String requested = params == null ? null : params.path("protocolVersion").asText(null);
        String version = ex.era == Protocol.Era.HTTP_SSE ? SseBridge.VERSION : EraTranslation.negotiateLegacy(requested);
        JsonNode discover = known == null ? null : known.discover();
        ObjectNode result = EraTranslation.initializeResult(discover, version);
        BridgedClient client = BridgedClient.of(params);
        try {
            ex.out.sessionEstablished(ex.server.id(), ex.grant.id(), client.marker(),
                    ex.era == Protocol.Era.LEGACY ? ClientElicitation.markVersion(version, params) : version);
        } catch (IllegalArgumentException e) { // the client's capabilities do not fit in a session token
            proxy.reply(ex, 400, JsonRpc.error(ex.message.id(), JsonRpc.INVALID_PARAMS,
                    "Invalid params: the client's capabilities are too large to keep in a session"), "bridged_initialize_too_large");
            return;
        }
        proxy.reply(ex, 200, JsonRpc.result(ex.message.id(), result), "bridged_initialize");
    }

    // ---- modern client, legacy-only upstream ----------------------------------------------------

    private void modernToLegacy(Exchange ex, HttpMethod method, Buffer body, boolean mayRetry) {
        JsonRpc.Message m = ex.message;
        if (method != HttpMethod.POST || m == null) {
            proxy.reply(ex, 405, JsonRpc.error(null, JsonRpc.BAD_REQUEST, "Method Not Allowed"), "bridged_" + method.name());
            return;
        }
        if (!m.isRequest()) {
            accepted(ex);
            return;
        }
        JsonRpc.Bad refused = EraTranslation.modernRequestProblem(m);
        if (refused != null) {
            proxy.reply(ex, refused.httpStatus(), refused.error(), "bridged_refused");
            return;
        }
        if ("subscriptions/listen".equals(m.method())) {
            proxy.reply(ex, 200, JsonRpc.error(m.id(), JsonRpc.METHOD_NOT_FOUND,
                    "subscriptions/listen is not available: the upstream speaks an earlier protocol revision"),
                    "bridged_listen");
            return;
        }
        JsonNode caps = EraTranslation.envelope(m, EraTranslation.META_CAPABILITIES);
        JsonNode info = EraTranslation.envelope(m, EraTranslation.META_CLIENT_INFO);
        Context context = vertx.getOrCreateContext();
        legacySessions.session(ex.server, ex.grant.id(), caps, info).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            if (ar.failed()) {
                eras.suspect(ex.server); // a legacy upstream that no longer opens sessions may have changed era
                proxy.upstreamFailed(ex, UpstreamCalls.causeOf(ar.cause()), ar.cause());
                return;
            }
            LegacySessions.Session s = ar.result();
            if ("server/discover".equals(m.method())) {
                proxy.reply(ex, 200, JsonRpc.result(m.id(), EraTranslation.discoverResult(s.initializeResult())),
                        "bridged_discover");
                return;
            }
            ObjectNode legacy = EraTranslation.toLegacy(m.raw());
            ex.translation = new Translation() {
                @Override
                public int status(int upstreamStatus, String contentType) {
                    if (upstreamStatus != 404) {
                        return upstreamStatus;
                    }
                    // The upstream forgot the session (restart, expiry): it did not run the request, so open a new
                    // session and send the request once more; a second 404 reaches the client.
                    legacySessions.forget(ex.server, ex.grant.id(), s);
                    if (!mayRetry) {
                        return upstreamStatus;
                    }
                    ex.translation = null;
                    ex.dispatched = false; // the 404 proved it did not run: until sent again, it was not sent
                    proxy.metrics().upstreamError(ex.serverTag(), "legacy_session_lost");
                    modernToLegacy(ex, method, body, false);
                    return TAKEN_OVER;
                }

                @Override
                public void headers(MultiMap h) {
                    h.remove(Protocol.H_METHOD);
                    h.remove(Protocol.H_NAME);
                    h.names().stream().filter(n -> n.toLowerCase(Locale.ROOT).startsWith("mcp-param-")).toList()
                            .forEach(h::remove);
                    LegacySessions.headers(s).forEach(e -> h.set(e.getKey(), e.getValue()));
                }

                @Override
                public boolean response(ObjectNode message) {
                    return EraTranslation.toModernResponse(message, m.method());
                }
            };
            proxy.send(ex, HttpMethod.POST, Buffer.buffer(JsonRpc.bytes(legacy)));
        })));
    }

    // ---- legacy client, HTTP+SSE-only upstream (T-L3) --------------------------------------------

    private void legacyToHttpSse(Exchange ex, HttpMethod method, Buffer body, SseUpstreams.Channel ch, Eras known) {
        if (method == HttpMethod.GET) {
            noServerStream(ex);
            return;
        }
        if (method == HttpMethod.DELETE) {
            if (ch != null) {
                ch.close();
            }
            sessionEnded(ex);
            return;
        }
        JsonRpc.Message m = ex.message;
        if (ch != null) {
            relayOverStream(ex, ch, body.toString(), false);
            return;
        }
        if (!"initialize".equals(m.method()) || !m.isRequest() || known == null || known.sseUrl() == null) {
            proxy.reply(ex, 400, JsonRpc.error(m.id(), JsonRpc.BAD_REQUEST,
                    "Bad Request: Mcp-Session-Id header is required"), "bad_request");
            return;
        }
        Context context = vertx.getOrCreateContext();
        ex.upstreamSentNanos = System.nanoTime();
        sseUpstreams.open(ex.server, ex.grant.id(), known.sseUrl()).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            if (ar.failed()) {
                if (ar.cause() instanceof SseUpstreams.Refused refused) {
                    proxy.refuse(ex, refused.refusal);
                } else {
                    proxy.upstreamFailed(ex, UpstreamCalls.causeOf(ar.cause()), ar.cause());
                }
                return;
            }
            relayOverStream(ex, ar.result(), body.toString(), true);
        })));
    }

    /** POSTs the client's message to the stream's endpoint; a request's answer arrives on the stream. */
    private void relayOverStream(Exchange ex, SseUpstreams.Channel ch, String body, boolean initialize) {
        JsonRpc.Message m = ex.message;
        Context context = vertx.getOrCreateContext();
        ex.upstreamSentNanos = System.nanoTime();
        if (!m.isRequest()) {
            ch.post(body).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
                String failure = UpstreamCalls.failureOf(ar);
                if (failure != null) {
                    proxy.upstreamFailed(ex, failure, ar.cause());
                    return;
                }
                accepted(ex);
            })));
            return;
        }
        String key = m.id().toString();
        ex.dispatched = true; // the POST below may reach the upstream
        long timer = vertx.setTimer(proxy.limits().upstreamResponseTimeout().toMillis(), t -> {
            ch.forget(key);
            if (initialize) {
                ch.close();
            }
            proxy.upstreamFailed(ex, "timeout", null);
        });
        ch.await(key, answer -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            vertx.cancelTimer(timer);
            if (answer == null) {
                proxy.upstreamFailed(ex, "reset", null);
                return;
            }
            if (initialize) {
                JsonNode version = answer.raw().path("result").get("protocolVersion");
                if (version == null || !version.isTextual()) {
                    ch.close();
                } else {
                    try {
                        ex.out.sessionEstablished(ex.server.id(), ex.grant.id(), SseUpstreams.PREFIX + ch.id, version.asText());
                    } catch (IllegalArgumentException e) {
                        ch.close();
                        proxy.upstreamFailed(ex, "session_unsealable", e);
                        return;
                    }
                }
            }
            answerFromStream(ex, answer);
        })));
        ex.out.onClose(() -> ch.forget(key));
        ch.post(body).onComplete(ar -> context.runOnContext(v -> proxy.guarded(ex, () -> {
            String failure = UpstreamCalls.failureOf(ar);
            if (failure != null) {
                ch.forget(key);
                vertx.cancelTimer(timer);
                proxy.upstreamFailed(ex, failure, ar.cause());
            }
        })));
    }

    /** A response that arrived on the upstream's stream gets the same hooks as one the {@link Relay} carries. */
    private void answerFromStream(Exchange ex, JsonRpc.Message answer) {
        ObjectNode raw = answer.raw();
        Relay.responseHooks(proxy, ex, raw);
        // Always re-serialised below, so the tree read is what the client gets: exact or not, only the filter matters.
        if (Relay.hideTools(proxy, ex, new UpstreamJson.Read(raw, false, answer), null, true) == HiddenTools.Action.REFUSE) {
            proxy.upstreamFailed(ex, "unreadable_tools", null);
            return;
        }
        long now = System.nanoTime();
        ex.upstreamStatus = 200;
        ex.upstreamMicros = (now - ex.upstreamSentNanos) / 1000;
        proxy.metrics().upstreamTime(ex.serverTag(), now - ex.upstreamSentNanos);
        if (ex.verdict != null) {
            proxy.recorder().record(ex, DecisionIds.next(), null);
            proxy.metrics().decision(ex.serverTag(), ex.rpcMethod(), "allow");
        }
        proxy.metrics().request(ex.serverTag(), ex.rpcMethod(), "200");
        ex.out.answer(200, "application/json", Buffer.buffer(JsonRpc.bytes(raw)));
    }

    // ---- HTTP+SSE-only upstream, modern client ---------------------------------------------------

    private void unsupported(Exchange ex) {
        proxy.refund(ex, RefundRule.afterFailure(ex.dispatched, "era_unsupported"));
        proxy.metrics().upstreamError(ex.serverTag(), "era_unsupported");
        if (ex.verdict != null) {
            proxy.recorder().record(ex, DecisionIds.next(), "upstream_era_unsupported");
        }
        proxy.reply(ex, 502, JsonRpc.error(ex.message == null ? null : ex.message.id(), JsonRpc.INTERNAL_ERROR,
                "Upstream MCP server speaks only the deprecated HTTP+SSE transport (2024-11-05), which this gateway"
                        + " bridges to for clients of earlier protocol revisions only; use a 2025-era client"), "upstream_era_unsupported");
    }
}
