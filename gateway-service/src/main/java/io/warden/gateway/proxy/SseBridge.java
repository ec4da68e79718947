package io.warden.gateway.proxy;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.gateway.cluster.MessageBus;
import io.warden.gateway.logging.LogSafe;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.mcp.SseEvent;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.session.SessionState;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * The deprecated HTTP+SSE transport (2024-11-05) for old clients: {@code GET /mcp/{server}/sse} opens
 * the client's stream and announces a same-origin POST URL carrying a sealed token; each POST there gets
 * 202, and its answer, like every upstream message, arrives as an {@code event: message} on the stream.
 * Upstream, the gateway speaks Streamable HTTP, through the same checks, policy and relay as
 * {@code /mcp/{server}}.
 *
 * <p>Across pods: a stream lives in the pod that served its GET, registered on the {@link MessageBus} under a random
 * channel id that the sealed token carries. Whichever pod receives a POST does the cheap checks (origin, content type,
 * JSON-RPC, server, grant, token valid for both) and sends the message to the channel; the holding pod runs the
 * pipeline (policy, limits, upstream) and answers on the stream. 202 means the holding pod received the message; no
 * holder (the stream ended, or its pod is gone) is 404 "Session not found", so the client opens a new stream; an
 * unreachable bus is 503.
 */
final class SseBridge {

    static final String VERSION = "2024-11-05";
    /** Marks the token's session field as naming a stream rather than an upstream session. */
    private static final String CHANNEL_PREFIX = "sse:";
    private static final Logger LOG = Logger.getLogger(SseBridge.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final McpProxy proxy;
    private final Vertx vertx;
    private final SessionCodec sessions;
    private final HttpGuard guard;
    private final MessageBus bus;

    SseBridge(McpProxy proxy, Vertx vertx, SessionCodec sessions, HttpGuard guard, MessageBus bus) {
        this.proxy = proxy;
        this.vertx = vertx;
        this.sessions = sessions;
        this.guard = guard;
        this.bus = bus;
    }

    void register(Router router, int maxBodyBytes) {
        router.get("/mcp/:server/sse").handler(this::open);
        router.post("/mcp/:server/messages")
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes).setHandleFileUploads(false))
                .handler(this::message)
                .failureHandler(proxy::failure);
    }

    /** One client's stream, for one grant. Its upstream session id is learned when initialize succeeds. */
    static final class Channel {
        final String id;
        final HttpServerResponse stream;
        final String grantId;
        /** The stream's event loop: messages for it run there, wherever they were received. */
        final Context context;
        volatile String upstreamSessionId;

        Channel(String id, HttpServerResponse stream, String grantId, Context context) {
            this.id = id;
            this.stream = stream;
            this.grantId = grantId;
            this.context = context;
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
        Budgets.Taken taken = proxy.budgets().stream(ex.serverTag(), ex.grant.id());
        if (!taken.granted()) {
            proxy.refuse(ex, taken.refusal());
            return;
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        Channel ch = new Channel(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), ctx.response(), ex.grant.id(),
                vertx.getOrCreateContext());
        String token = sessions.seal(ex.server.id(), ex.grant.id(), CHANNEL_PREFIX + ch.id, VERSION, VERSION);
        ex.out.startEvents(200);
        // The endpoint goes out once other pods can reach the stream, or at once if they cannot (the bus is down:
        // POSTs to this pod still work, and the stream becomes reachable from the others when the bus is back).
        bus.register(ch.id, message -> ch.context.runOnContext(v -> deliver(ch, message))).onComplete(ar -> {
            if (ar.failed()) {
                LOG.debugf("stream %s reachable from this pod only for now: %s", ch.id, LogSafe.text(ar.cause().getMessage()));
            }
            if (ch.open()) {
                ch.stream.write("event: endpoint\ndata: /mcp/" + ex.server.id() + "/messages?session=" + token + "\n\n");
            }
        });
        // Comments keep idle proxies and load balancers from cutting a quiet stream.
        long keepAlive = vertx.setPeriodic(15_000, t -> {
            if (ch.open()) {
                ch.stream.write(": keep-alive\n\n");
            }
        });
        ctx.response().closeHandler(v -> {
            vertx.cancelTimer(keepAlive);
            bus.unregister(ch.id);
            taken.permit().release();
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
        String mismatch = ModernHeaders.presentMismatch(check.message, ctx.request().headers());
        if (mismatch != null) {
            proxy.reply(check, 400, JsonRpc.error(check.message.id(), JsonRpc.HEADER_MISMATCH, mismatch), "header_mismatch");
            return;
        }
        // A request method without an id has no answer on the stream to carry its refusal: refuse it here, like bad input.
        if (check.message.id() == null) {
            check.verdict = proxy.gate().refusal(check.message, check.grant, check.snapshot);
            if (check.verdict != null) {
                proxy.answerDecision(check);
                return;
            }
        }
        String channelId = channelId(ctx.queryParam("session").stream().findFirst().orElse(null), check);
        if (channelId == null) {
            proxy.reply(check, 404, JsonRpc.error(check.message.id(), -32001, "Session not found"), "session_not_found");
            return;
        }
        bus.send(channelId, envelope(check, body)).onComplete(ar -> proxy.guarded(check, () -> {
            switch (ar.failed() ? MessageBus.Delivery.UNAVAILABLE : ar.result()) { // a failed send is not a delivery
                case DELIVERED -> ctx.response().setStatusCode(202).end();
                case NO_RECEIVER -> proxy.reply(check, 404, JsonRpc.error(check.message.id(), -32001, "Session not found"),
                        "session_not_found");
                case UNAVAILABLE -> {
                    check.out.header("Retry-After", "2");
                    proxy.reply(check, 503, JsonRpc.error(check.message.id(), JsonRpc.INTERNAL_ERROR,
                            "The gateway pod holding this session's stream cannot be reached right now; retry shortly"),
                            "stream_bus_unavailable");
                }
            }
        }));
    }

    /**
     * A message for a stream of this pod, received here or by another pod: the same pipeline as any POST. Server and
     * grant are looked up again in this pod's snapshot; the grant must still be the stream's.
     */
    private void deliver(Channel ch, Buffer envelope) {
        Envelope e = Envelope.decode(envelope);
        if (e == null || !ch.open() || !(JsonRpc.parse(e.body()) instanceof JsonRpc.Ok ok)) {
            return;
        }
        Exchange ex = new Exchange(e.headers(), "POST", new ChannelDownstream(ch));
        ex.era = Protocol.Era.HTTP_SSE;
        ex.snapshot = proxy.snapshot();
        ex.server = ex.snapshot.server(e.serverId()).orElse(null);
        ex.grant = ex.snapshot.grantByTokenHash(e.grantTokenHash()).filter(g -> g.id().equals(ch.grantId)).orElse(null);
        ex.message = ok.message();
        ex.body = e.body();
        ex.protocolVersion = VERSION;
        if (ex.server == null || ex.grant == null) {
            if (ex.message.isRequest()) { // the configuration changed between the POST's pod and this one
                ch.send(JsonRpc.error(ex.message.id(), JsonRpc.BAD_REQUEST, "Server or grant no longer configured").toString());
            }
            return;
        }
        if (ch.upstreamSessionId != null) {
            ex.session = new SessionState(ex.server.id(), ex.grant.id(), ch.upstreamSessionId, VERSION, VERSION, Long.MAX_VALUE);
        }
        proxy.guarded(ex, () -> {
            ex.verdict = proxy.gate().judge(ex.message, ex.grant, ex.server, ex.snapshot, CHANNEL_PREFIX + ch.id);
            if (ex.verdict != null && !ex.verdict.allowed()) {
                proxy.answerDecision(ex);
                return;
            }
            proxy.withinLimits(ex, () -> proxy.forward(ex, HttpMethod.POST, Buffer.buffer(ex.body)));
        });
    }

    private static Buffer envelope(Exchange check, byte[] body) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        check.ctx.request().headers().forEach(h -> {
            if (HttpGuard.travelsUpstream(h.getKey())) {
                headers.add(h.getKey(), h.getValue());
            }
        });
        return new Envelope(check.server.id(), check.grant.tokenHash(), headers, body).encode();
    }

    /** The token must be ours, for this server and grant, and name a stream; which pod holds it is the bus's business. */
    private String channelId(String token, Exchange ex) {
        if (token == null || !(sessions.open(token) instanceof SessionCodec.Valid v)) {
            return null;
        }
        SessionState s = v.state();
        if (!s.serverId().equals(ex.server.id()) || !s.grantId().equals(ex.grant.id()) || s.upstreamSessionId() == null
                || !s.upstreamSessionId().startsWith(CHANNEL_PREFIX)) {
            return null;
        }
        return s.upstreamSessionId().substring(CHANNEL_PREFIX.length());
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
