package io.warden.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.session.SessionState;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deprecated HTTP+SSE transport (2024-11-05) for old clients: {@code GET /mcp/{server}/sse} opens
 * the client's stream and announces a same-origin POST URL carrying a sealed token; each POST there gets
 * 202, and its answer, like every upstream message, arrives as an {@code event: message} on the stream.
 * Upstream, the gateway speaks Streamable HTTP, through the same checks, policy and relay as
 * {@code /mcp/{server}}. Streams live in this pod; a POST reaching another pod gets 404 (affinity on the
 * token is required until cross-pod routing lands).
 */
final class SseBridge {

    static final String VERSION = "2024-11-05";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final McpProxy proxy;
    private final Vertx vertx;
    private final SessionCodec sessions;
    private final HttpGuard guard;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    SseBridge(McpProxy proxy, Vertx vertx, SessionCodec sessions, HttpGuard guard) {
        this.proxy = proxy;
        this.vertx = vertx;
        this.sessions = sessions;
        this.guard = guard;
    }

    void register(Router router, int maxBodyBytes) {
        router.get("/mcp/:server/sse").handler(this::open);
        router.post("/mcp/:server/messages")
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes).setHandleFileUploads(false))
                .handler(this::message)
                .failureHandler(proxy::failure);
    }

    /** One client's stream. Its upstream session id is learned when initialize succeeds. */
    static final class Channel {
        final String id;
        final HttpServerResponse stream;
        volatile String upstreamSessionId;

        Channel(String id, HttpServerResponse stream) {
            this.id = id;
            this.stream = stream;
        }

        boolean open() {
            return !stream.ended() && !stream.closed();
        }

        void send(String json) {
            if (open()) {
                stream.write(SseEvent.message(json).raw());
            }
        }
    }

    private void open(RoutingContext ctx) {
        Exchange ex = new Exchange(ctx, "GET", new HttpDownstream(ctx.response(), sessions));
        ex.era = Protocol.Era.HTTP_SSE;
        if (!proxy.checkOrigin(ex) || !proxy.check(ex, guard.checkGetHeaders(ctx.request())) || !proxy.resolveServerAndGrant(ex)) {
            return;
        }
        if (proxy.metrics().activeStreams().incrementAndGet() > proxy.limits().maxConcurrentStreams()) {
            proxy.metrics().activeStreams().decrementAndGet();
            ex.out.header("Retry-After", "5");
            proxy.reply(ex, 503, JsonRpc.error(null, JsonRpc.INTERNAL_ERROR, "Too many concurrent streams on this gateway"),
                    "streams_exhausted");
            return;
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        Channel ch = new Channel(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), ctx.response());
        channels.put(ch.id, ch);
        String token = sessions.seal(ex.server.id(), ex.grant.id(), "sse:" + ch.id, VERSION, VERSION);
        ex.out.startEvents(200);
        ctx.response().write("event: endpoint\ndata: /mcp/" + ex.server.id() + "/messages?session=" + token + "\n\n");
        // Comments keep idle proxies and load balancers from cutting a quiet stream.
        long keepAlive = vertx.setPeriodic(15_000, t -> {
            if (ch.open()) {
                ch.stream.write(": keep-alive\n\n");
            }
        });
        ctx.response().closeHandler(v -> {
            vertx.cancelTimer(keepAlive);
            channels.remove(ch.id);
            proxy.metrics().activeStreams().decrementAndGet();
            endUpstreamSession(ex, ch);
        });
        proxy.metrics().request(ex.serverTag(), "GET", "sse_open");
    }

    private void message(RoutingContext ctx) {
        Exchange check = new Exchange(ctx, "POST", new HttpDownstream(ctx.response(), sessions));
        check.era = Protocol.Era.HTTP_SSE;
        String ct = ctx.request().getHeader("Content-Type");
        if (!proxy.checkOrigin(check)) {
            return;
        }
        if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            proxy.check(check, new HttpGuard.Rejection(415, "Unsupported Media Type: Content-Type must be application/json",
                    JsonRpc.BAD_REQUEST));
            return;
        }
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        JsonRpc.Parsed parsed = JsonRpc.parse(body);
        if (parsed instanceof JsonRpc.Bad bad) {
            proxy.reply(check, bad.httpStatus(), bad.error(), "bad_request");
            return;
        }
        check.message = ((JsonRpc.Ok) parsed).message();
        if (!proxy.resolveServerAndGrant(check)) {
            return;
        }
        Channel ch = channel(ctx.queryParam("session").stream().findFirst().orElse(null), check);
        if (ch == null) {
            proxy.reply(check, 404, JsonRpc.error(check.message.id(), -32001, "Session not found"), "session_not_found");
            return;
        }
        ctx.response().setStatusCode(202).end();

        Exchange ex = new Exchange(ctx, "POST", new ChannelDownstream(ch));
        ex.era = Protocol.Era.HTTP_SSE;
        ex.snapshot = check.snapshot;
        ex.server = check.server;
        ex.grant = check.grant;
        ex.message = check.message;
        ex.body = body;
        ex.protocolVersion = VERSION;
        if (ch.upstreamSessionId != null) {
            ex.session = new SessionState(ex.server.id(), ex.grant.id(), ch.upstreamSessionId, VERSION, VERSION, Long.MAX_VALUE);
        }
        ex.verdict = proxy.gate().judge(ex.message, ex.grant, ex.server, ex.snapshot);
        if (ex.verdict != null && !ex.verdict.allowed()) {
            proxy.answerDecision(ex);
            return;
        }
        proxy.withinLimits(ex, () -> proxy.forward(ex, HttpMethod.POST, Buffer.buffer(body)));
    }

    /** The token must be ours, for this server and grant, and its stream must be open on this pod. */
    private Channel channel(String token, Exchange ex) {
        if (token == null) {
            return null;
        }
        if (!(sessions.open(token) instanceof SessionCodec.Valid v)) {
            return null;
        }
        SessionState s = v.state();
        if (!s.serverId().equals(ex.server.id()) || !s.grantId().equals(ex.grant.id()) || s.upstreamSessionId() == null
                || !s.upstreamSessionId().startsWith("sse:")) {
            return null;
        }
        Channel ch = channels.get(s.upstreamSessionId().substring(4));
        return ch != null && ch.open() ? ch : null;
    }

    /** The client's stream is gone: tell the upstream its session ended (best effort). */
    private void endUpstreamSession(Exchange ex, Channel ch) {
        if (ch.upstreamSessionId == null) {
            return;
        }
        Exchange del = new Exchange(ex.ctx, "DELETE", new ChannelDownstream(ch));
        del.server = ex.server;
        del.grant = ex.grant;
        del.snapshot = ex.snapshot;
        del.era = Protocol.Era.HTTP_SSE;
        del.session = new SessionState(ex.server.id(), ex.grant.id(), ch.upstreamSessionId, VERSION, VERSION, Long.MAX_VALUE);
        proxy.forward(del, HttpMethod.DELETE, null);
    }

    /** Answers go onto the client's stream as {@code event: message}; HTTP details stay behind. */
    static final class ChannelDownstream implements Downstream {
        private final Channel ch;

        ChannelDownstream(Channel ch) {
            this.ch = ch;
        }

        @Override
        public boolean open() {
            return ch.open();
        }

        @Override
        public boolean started() {
            return false;
        }

        @Override
        public void answer(int status, String contentType, Buffer body) {
            if (body.length() > 0 && JsonRpc.parseUpstream(body.toString()) != null) {
                ch.send(body.toString());
            }
        }

        @Override
        public void startEvents(int status) {
        }

        @Override
        public void event(SseEvent event) {
            // The old transport has no resumption: ids, retries and priming events stay behind.
            if (event.hasData()) {
                ch.send(event.data());
            }
        }

        @Override
        public boolean congested() {
            return ch.stream.writeQueueFull();
        }

        @Override
        public void onDrain(Runnable r) {
            ch.stream.drainHandler(v -> r.run());
        }

        @Override
        public void onClose(Runnable r) {
        }

        @Override
        public void end() {
        }

        @Override
        public void sessionEstablished(String serverId, String grantId, String upstreamSessionId, String protocolVersion) {
            ch.upstreamSessionId = upstreamSessionId;
        }

        @Override
        public void header(String name, String value) {
        }
    }
}
