package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.gateway.auth.GrantAuthenticator;
import io.warden.gateway.cluster.SessionCounts;
import io.warden.gateway.cluster.SharedState;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.logging.LogSafe;
import io.warden.gateway.mcp.Denials;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.policy.RequestShape;
import io.warden.gateway.policy.SnapshotHolder;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.ratelimit.LimitOutcome;
import io.warden.gateway.ratelimit.RateLimiter;
import io.warden.gateway.ratelimit.RefundRule;
import io.warden.policy.Decision;
import io.warden.policy.LimitCharge;
import io.warden.policy.Outcome;
import io.warden.snapshot.GatewaySnapshot;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The MCP reverse proxy: Streamable HTTP at {@code /mcp/{server}} for both protocol eras.
 *
 * <p>A POST reads as a straight line: request checks, body, server, grant, era and session, policy,
 * then upstream and relay. Everything runs on the event loop and nothing blocks: the body is bounded
 * and already read, policy evaluation is pure CPU, the decision log only enqueues.
 */
public final class McpProxy {

    private static final Logger LOG = Logger.getLogger(McpProxy.class);
    static final String VERSION = "0.1.0";
    /** Marks a request whose body failed, so that its later failures (the close that follows) are not counted again. */
    private static final String BODY_FAILED = "warden.body-failed";
    /** A declared body over the limit but at most this large is read and discarded before the 413 (see declaredLength). */
    private static final long MAX_DISCARDED_BODY = 16L * 1024 * 1024;
    private static final long DISCARD_TIMEOUT_MILLIS = 10_000;

    private final Vertx vertx;
    private final UpstreamClients upstream;
    private final GatewayConfig.Limits limits;
    private final SnapshotHolder snapshots;
    private final SessionCodec sessions;
    private final PolicyGate gate;
    private final HttpGuard guard;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final RateLimiter limiter;
    private final SharedState shared;
    private final EraBridge bridge;
    private final Budgets budgets;
    /** Null without approvals configured: a call policy holds for approval is then denied as such. */
    private ApprovalStep approvals;

    public McpProxy(Vertx vertx, UpstreamClients upstream, GatewayConfig.Limits limits, SnapshotHolder snapshots,
                    SessionCodec sessions, PolicyGate gate, HttpGuard guard, DecisionRecorder recorder, ProxyMetrics metrics,
                    RateLimiter limiter, SharedState shared, HttpClient ownCalls) {
        this.vertx = vertx;
        this.upstream = upstream;
        this.limits = limits;
        this.snapshots = snapshots;
        this.sessions = sessions;
        this.gate = gate;
        this.guard = guard;
        this.recorder = recorder;
        this.metrics = metrics;
        this.limiter = limiter;
        this.shared = shared;
        long files = Budgets.openFileLimit();
        long descriptors = Budgets.streamDescriptors(limits.maxCallsInFlight(), files);
        if (descriptors < 2L * limits.maxConcurrentStreams()) {
            LOG.warnf("max-concurrent-streams is %d, but this process may open %d files: calls in flight (max-calls-in-flight"
                            + " %d) keep theirs, which leaves %d descriptors for streams. A stream over HTTP/1.1 holds two, one"
                            + " multiplexed over HTTP/2 (servers with http2: true) one, so at most %d HTTP/1.1 streams are"
                            + " admitted. Raise the open-file limit (ulimit -n) or mark HTTP/2 upstreams to hold more",
                    limits.maxConcurrentStreams(), files, limits.maxCallsInFlight(), descriptors, descriptors / 2);
        }
        this.budgets = new Budgets(limits.maxConcurrentStreams(), limits.maxStreamsPerGrant(), limits.maxCallsInFlight(),
                limits.maxSessionsPerGrantPerMinute(), limits.maxRevocationsPerGrant(), limits.maxBufferedBytes(),
                descriptors, metrics, System::nanoTime);
        UpstreamCalls calls = new UpstreamCalls(vertx, ownCalls, upstream, limits);
        this.bridge = new EraBridge(this, vertx, calls, new UpstreamEras(calls, metrics, limits.eraProbeTtl(), System::nanoTime),
                new LegacySessions(calls, System::nanoTime), new SseUpstreams(vertx, calls, upstream, limits, budgets));
    }

    /** Calls that policy holds for approval go to {@code flow} from now on. */
    public void useApprovals(io.warden.gateway.approval.ApprovalFlow flow) {
        this.approvals = new ApprovalStep(this, flow);
    }

    public void register(Router router) {
        router.route("/mcp/:server").order(-10).handler(this::cors);
        // After CORS, before Quarkus's own body-size check (order -2), which answers a declared length over
        // quarkus.http.limits.max-body-size with a bare 413.
        router.route("/mcp/*").order(-9).handler(this::declaredLength);
        router.post("/mcp/:server")
                .handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()).setHandleFileUploads(false))
                .handler(this::post)
                .failureHandler(this::failure);
        router.get("/mcp/:server").handler(this::get).failureHandler(this::failure);
        router.delete("/mcp/:server").handler(this::delete).failureHandler(this::failure);
        // Any other method: a JSON-RPC error with Allow, instead of Vert.x's bare 405.
        router.route("/mcp/:server").handler(ctx -> methodNotAllowed(ctx, "GET, POST, DELETE, OPTIONS"));
        new SseBridge(this, vertx, sessions, guard, shared.streams()).register(router, limits.maxBodyBytes());
        router.route("/mcp/:server/sse").handler(ctx -> methodNotAllowed(ctx, "GET"));
        router.route("/mcp/:server/messages").handler(ctx -> methodNotAllowed(ctx, "POST"));
        // Any other path under /mcp: a JSON-RPC 404, instead of Quarkus's page.
        router.route("/mcp/*").handler(this::noEndpoint);
    }

    // ---- POST: one JSON-RPC message -------------------------------------------------------------

    void post(RoutingContext ctx) {
        Exchange ex = exchange(ctx, "POST");
        if (!checkOrigin(ex) || !check(ex, guard.checkPostHeaders(ctx.request()))) {
            return;
        }
        ex.body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        JsonRpc.Parsed parsed = JsonRpc.parse(ex.body);
        if (parsed instanceof JsonRpc.Bad bad) {
            reply(ex, bad.httpStatus(), bad.error(), "bad_request");
            return;
        }
        ex.message = ((JsonRpc.Ok) parsed).message();
        if (resolveServerAndGrant(ex) && resolveEra(ex) && resolveSession(ex)) {
            withinSessionRate(ex, () -> judge(ex));
        }
    }

    /** Policy, then the limits, then upstream. */
    private void judge(Exchange ex) {
        // The sealed token the client holds names its session; a stateless (modern) client has none.
        String sessionId = ex.session == null ? null : ex.ctx.request().getHeader(Protocol.H_SESSION);
        ex.verdict = gate.judge(ex.message, ex.grant, ex.server, ex.snapshot, sessionId);
        if (approvals != null && approvals.takes(ex)) { // held for approval, or a client's answer to Warden's elicitation
            return;
        }
        if (ex.verdict != null && !ex.verdict.allowed()) {
            answerDecision(ex);
            return;
        }
        withinLimits(ex, () -> forward(ex, HttpMethod.POST, Buffer.buffer(ex.body)));
    }

    /** Takes the call's tokens (all limits at once), then goes on, or answers the denial. */
    void withinLimits(Exchange ex, Runnable admitted) {
        // The decision is published as the call leaves (how it ends follows as a completion); with
        // decision-log.on-outage=block, only once the audit sink has room for it.
        Runnable next = () -> recorder.whenRecordable(vertx, () -> guarded(ex, () -> {
            recorder.decided(ex);
            admitted.run();
        }), () -> guarded(ex, () -> auditUnavailable(ex)));
        List<LimitCharge> charges = ex.verdict == null ? List.of() : ex.verdict.decision().limits();
        if (charges.isEmpty()) {
            next.run();
            return;
        }
        Context context = vertx.getOrCreateContext();
        Uni<LimitOutcome> acquired;
        try {
            acquired = limiter.acquire(ex.server.id(), charges);
        } catch (RuntimeException e) {
            acquired = Uni.createFrom().failure(e);
        }
        // The limiter promises never to fail; when it does anyway, the call still gets an answer.
        acquired.subscribe().with(
                outcome -> context.runOnContext(v -> guarded(ex, () -> {
                    ex.limit = outcome;
                    if (outcome.admitted()) {
                        next.run();
                    } else {
                        answerLimited(ex);
                    }
                })),
                failure -> context.runOnContext(v -> guarded(ex, () -> limiterFailed(ex, charges, failure, next))));
    }

    /**
     * The limiter failed instead of answering: limits that are all {@code on_limiter_error: open} let the call through
     * (flagged), as they would with the store down; anything else is refused with 503 and a Retry-After, never admitted
     * unchecked.
     */
    private void limiterFailed(Exchange ex, List<LimitCharge> charges, Throwable t, Runnable next) {
        metrics.failure(ex.serverTag(), "limiter_failed");
        LOG.warnf("rate limiter failed for server %s: %s", ex.serverTag(), t.toString());
        if (LimiterFailure.admitsOpen(charges)) {
            ex.limit = LimiterFailure.openOutcome();
            next.run();
            return;
        }
        recorder.record(ex, DecisionIds.next(), "limiter_failed");
        ex.out.header("Retry-After", String.valueOf(LimiterFailure.RETRY_AFTER_SECONDS));
        reply(ex, 503, JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR,
                "Rate limits cannot be checked right now; the call was not run. Retry shortly"), "limiter_failed");
    }

    /** {@code on-outage=block} and no room for the decision within the bound: refused, tokens given back, never run. */
    private void auditUnavailable(Exchange ex) {
        if (ex.failed) {
            return;
        }
        ex.failed = true;
        refund(ex, RefundRule.afterFailure(false, DecisionRecorder.AUDIT_UNAVAILABLE));
        recorder.record(ex, DecisionIds.next(), DecisionRecorder.AUDIT_UNAVAILABLE);
        metrics.failure(ex.serverTag(), DecisionRecorder.AUDIT_UNAVAILABLE);
        ex.out.header("Retry-After", "1");
        reply(ex, 503, JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, "The audit log cannot record this call right now"
                + " (warden.gateway.decision-log.on-outage=block), so it was not run. Retry shortly"),
                DecisionRecorder.AUDIT_UNAVAILABLE);
    }

    /**
     * Runs one step of an exchange from an asynchronous callback. An exception there would otherwise be logged by
     * Vert.x and leave the client waiting forever: it ends the exchange with an answer instead.
     */
    void guarded(Exchange ex, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            internalFailure(ex, e);
        }
    }

    /** A bug: counted, logged, recorded when a decision was made, and answered (500, or the stream ended). */
    void internalFailure(Exchange ex, Throwable t) {
        if (ex.failed) {
            return;
        }
        ex.failed = true;
        metrics.failure(ex.serverTag(), "exception");
        LOG.errorf(t, "Unexpected failure in the proxy (server %s, %s)", ex.serverTag(), ex.rpcMethod());
        try {
            if (ex.verdict != null) {
                recorder.record(ex, DecisionIds.next(), "internal_error");
            }
        } catch (RuntimeException e) {
            LOG.debugf("the decision of a failed exchange could not be recorded either: %s", e.toString());
        }
        if (ex.out.started()) {
            ex.out.end();
            return;
        }
        reply(ex, 500, JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, "Internal gateway error"), "internal_error");
    }

    /**
     * Gives the tokens back when {@link RefundRule} found proof that the call never reached the tool ({@code why} not
     * null); at most once per exchange.
     */
    void refund(Exchange ex, RefundRule.Refund why) {
        if (why != null && ex.limit != null && ex.refund == null && !ex.limit.reservation().isEmpty()) {
            ex.refund = why;
            limiter.refund(ex.limit.reservation()).subscribe().with(v -> { }, t -> { });
        }
    }

    private void answerLimited(Exchange ex) {
        LimitOutcome l = ex.limit;
        String decisionId = DecisionIds.next();
        ObjectNode answer = Denials.denied(ex.message.id(), decisionId, "deny", l.rule(), l.message(),
                l.retryAfterMs() >= 0 ? l.retryAfterMs() : null, ex.modern(), VERSION);
        recorder.record(ex, decisionId, null);
        metrics.decision(ex.serverTag(), ex.rpcMethod(), "rate_limited");
        reply(ex, 200, answer, "policy_rate_limited");
    }

    // ---- GET: the legacy server stream; DELETE: end the session ---------------------------------

    void get(RoutingContext ctx) {
        Exchange ex = exchange(ctx, "GET");
        if (checkOrigin(ex) && check(ex, guard.checkGetHeaders(ctx.request())) && resolveServerAndGrant(ex)
                && resolveSession(ex)) {
            forward(ex, HttpMethod.GET, null);
        }
    }

    void delete(RoutingContext ctx) {
        Exchange ex = exchange(ctx, "DELETE");
        if (checkOrigin(ex) && resolveServerAndGrant(ex) && resolveSession(ex)) {
            withinSessionRate(ex, () -> {
                if (withinRevocations(ex)) {
                    endSession(ex);
                }
            });
        }
    }

    /** Ends the session: here when it is the gateway's alone, else upstream first and here once the upstream agreed. */
    private void endSession(Exchange ex) {
        RoutingContext ctx = ex.ctx;
        if (ex.session != null && ex.session.upstreamSessionId() == null) { // the session is ours alone: end it here
            revoke(ex);
            metrics.request(ex.serverTag(), "DELETE", "session_ended");
            ex.out.answer(200, null, Buffer.buffer());
            return;
        }
        if (ex.session != null) { // the session ends for every pod once the upstream agreed
            ctx.addHeadersEndHandler(v -> {
                if (ctx.response().getStatusCode() / 100 == 2) {
                    revoke(ex);
                }
            });
        }
        forward(ex, HttpMethod.DELETE, null);
    }

    /**
     * Sessions created or ended ({@code initialize}, {@code DELETE}) count against the grant's rate: on every pod at
     * once through Redis when one is shared (one round trip), else on this pod. Redis out of reach: this pod counts
     * alone until it is back (counted as {@code warden_session_counts_local_total}).
     */
    private void withinSessionRate(Exchange ex, Runnable next) {
        if (!"DELETE".equals(ex.method) && (ex.message == null || !"initialize".equals(ex.message.method()))) {
            next.run();
            return;
        }
        Future<SessionCounts.Window> counted = shared.sessions().add(ex.grant.id());
        if (counted.isComplete()) {
            sessionCounted(ex, counted, next);
            return;
        }
        Context context = vertx.getOrCreateContext();
        counted.onComplete(ar -> context.runOnContext(v -> guarded(ex, () -> sessionCounted(ex, counted, next))));
    }

    private void sessionCounted(Exchange ex, Future<SessionCounts.Window> counted, Runnable next) {
        if (counted.failed()) {
            metrics.sessionCountsLocal(ex.serverTag());
            LOG.debugf("shared session count unavailable, counting on this pod: %s", LogSafe.text(counted.cause().getMessage()));
        }
        Budgets.Refusal r = budgets.session(ex.serverTag(), ex.grant.id(), counted.failed() ? null : counted.result());
        if (r != null) {
            refuse(ex, r);
        } else {
            next.run();
        }
    }

    /**
     * Ending a session leaves a revocation held until the session's expiry: a grant holding its share is refused before
     * the upstream ends anything (DELETEs already in flight may each add one more).
     */
    private boolean withinRevocations(Exchange ex) {
        if (ex.session == null) {
            return true;
        }
        Budgets.Refusal r = budgets.revocation(ex.serverTag(), shared.revocations().heldBy(ex.grant.id()));
        if (r != null) {
            refuse(ex, r);
        }
        return r == null;
    }

    /**
     * A budget ran out: answered at once with what ran out and when to come back, and nothing went upstream, so a
     * retry can never run a tool twice. Tokens taken for the call are given back.
     */
    void refuse(Exchange ex, Budgets.Refusal r) {
        if (ex.failed) {
            return;
        }
        ex.failed = true;
        refund(ex, RefundRule.afterFailure(false, r.cause()));
        if (ex.verdict != null) {
            recorder.record(ex, DecisionIds.next(), r.cause());
        }
        if (!ex.out.started()) {
            ex.out.header("Retry-After", String.valueOf(r.retryAfterSeconds()));
        }
        reply(ex, r.status(), JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, r.message(), limitData(r)), r.cause());
    }

    /** Refuses the exchange's session token on every pod from now until it expires. */
    private void revoke(Exchange ex) {
        shared.revocations().revoke(ex.grant.id(), ex.ctx.request().getHeader(Protocol.H_SESSION),
                ex.session.expiresAtEpochSecond());
    }

    private Exchange exchange(RoutingContext ctx, String method) {
        return new Exchange(ctx, method, new HttpDownstream(ctx.response(), sessions));
    }

    // ---- the steps ------------------------------------------------------------------------------

    boolean checkOrigin(Exchange ex) {
        return check(ex, guard.checkOrigin(ex.ctx.request()));
    }

    boolean check(Exchange ex, HttpGuard.Rejection r) {
        if (r == null) {
            return true;
        }
        reply(ex, r.status(), JsonRpc.error(null, r.code(), r.message()), "rejected_" + r.status());
        return false;
    }

    boolean resolveServerAndGrant(Exchange ex) {
        ex.snapshot = snapshots.current();
        if (!snapshots.installed()) {
            // Starting up (connected mode, no stream or file yet): the server may well exist; say so, not "unknown".
            ex.out.header("Retry-After", "5");
            reply(ex, 503, JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, "Not ready: this gateway has no policy"
                    + " snapshot yet (it is starting or cannot reach policy-service). Retry shortly"), "no_snapshot");
            return false;
        }
        String serverId = ex.ctx.pathParam("server");
        ex.server = ex.snapshot.server(serverId).orElse(null);
        if (ex.server == null) {
            reply(ex, 404, JsonRpc.error(id(ex), JsonRpc.BAD_REQUEST, "Unknown MCP server: " + printable(serverId)), "unknown_server");
            return false;
        }
        GrantAuthenticator.Result auth =
                GrantAuthenticator.authenticate(ex.ctx.request().getHeader("Authorization"), ex.server.id(), ex.snapshot);
        if (auth.ok()) {
            ex.grant = auth.grant();
            return true;
        }
        if (auth.failure() == GrantAuthenticator.Failure.WRONG_SERVER) {
            String why = "Forbidden: this grant token is not valid for server " + ex.server.id();
            recorder.unauthenticated(ex, "(wrong server)", why);
            reply(ex, 403, JsonRpc.error(id(ex), JsonRpc.BAD_REQUEST, why), "forbidden");
        } else {
            ex.out.header("WWW-Authenticate", "Bearer realm=\"warden\"");
            String why;
            String rule;
            switch (auth.failure()) {
                case MISSING -> {
                    why = "Unauthorized: send Authorization: Bearer <grant token>";
                    rule = "(no token)";
                }
                case EXPIRED -> {
                    why = "Unauthorized: this grant has expired";
                    rule = "(expired grant)";
                }
                default -> {
                    why = "Unauthorized: unknown grant token";
                    rule = "(unknown token)";
                }
            }
            recorder.unauthenticated(ex, rule, why);
            reply(ex, 401, JsonRpc.error(id(ex), JsonRpc.BAD_REQUEST, why), "unauthorized");
        }
        return false;
    }

    /** Modern requests carry their version per request and must agree with their routing headers. */
    boolean resolveEra(Exchange ex) {
        HttpServerRequest req = ex.ctx.request();
        String headerVersion = req.getHeader(Protocol.H_VERSION);
        if (!Protocol.isModern(ex.message, headerVersion)) {
            ex.era = Protocol.Era.LEGACY;
            if (headerVersion != null && !Protocol.KNOWN.contains(headerVersion)) {
                reply(ex, 400, JsonRpc.error(id(ex), JsonRpc.BAD_REQUEST,
                        "Bad Request: unsupported MCP-Protocol-Version " + printable(headerVersion)), "bad_version");
                return false;
            }
            ex.protocolVersion = headerVersion != null ? headerVersion : Protocol.LEGACY_DEFAULT;
            String mismatch = ModernHeaders.presentMismatch(ex.message, req.headers());
            if (mismatch != null) {
                reply(ex, 400, JsonRpc.error(id(ex), JsonRpc.HEADER_MISMATCH, mismatch), "header_mismatch");
                return false;
            }
            return true;
        }
        ex.era = Protocol.Era.MODERN;
        String bodyVersion = Protocol.metaVersion(ex.message);
        ex.protocolVersion = bodyVersion != null ? bodyVersion : headerVersion;
        String mismatch = ModernHeaders.mismatch(ex.message, bodyVersion, req);
        if (mismatch != null) {
            reply(ex, 400, JsonRpc.error(id(ex), JsonRpc.HEADER_MISMATCH, mismatch), "header_mismatch");
            return false;
        }
        if (!Protocol.MODERN.equals(ex.protocolVersion)) {
            // Any _meta version (or a future header version) made the request modern; only one modern revision exists.
            reply(ex, 400, JsonRpc.unsupportedVersion(id(ex), printable(ex.protocolVersion), Protocol.MODERN), "bad_version");
            return false;
        }
        return true;
    }

    /** Legacy: a session the gateway issued, for this server and this grant. Modern requests have none. */
    boolean resolveSession(Exchange ex) {
        String token = ex.ctx.request().getHeader(Protocol.H_SESSION);
        if (token == null || ex.modern()) {
            return true;
        }
        SessionCodec.Opened opened = sessions.open(token);
        if (opened instanceof SessionCodec.Valid v && v.state().serverId().equals(ex.server.id())
                && v.state().grantId().equals(ex.grant.id()) && !shared.revocations().revoked(token)) {
            ex.session = v.state();
            return true;
        }
        // Unknown, forged, expired, ended by DELETE, or another grant's session: "not found", so the client re-initializes.
        reply(ex, 404, JsonRpc.error(id(ex), -32001, "Session not found"), "session_not_found");
        return false;
    }

    void answerDecision(Exchange ex) {
        if (ex.verdict.refusal() != null) {
            answerRefusal(ex);
            return;
        }
        Decision d = ex.verdict.decision();
        String decisionId = DecisionIds.next();
        ObjectNode answer;
        if (d.outcome() == Outcome.HIDDEN) {
            answer = Denials.unknownTool(ex.message.id(), ex.verdict.tool());
        } else if (!"tools/call".equals(ex.message.method())) {
            answer = Denials.methodDenied(ex.message.id(), ex.message.method(), d.message());
        } else {
            answer = Denials.denied(ex.message.id(), decisionId, outcomeName(d.outcome()), d.rule(), d.message(), null,
                    ex.modern(), VERSION);
        }
        recorder.record(ex, decisionId, null);
        metrics.decision(ex.serverTag(), ex.rpcMethod(), outcomeName(d.outcome()));
        reply(ex, 200, answer, "policy_" + outcomeName(d.outcome()));
    }

    /**
     * A message the gate could not judge, refused and recorded. A notification has no id to answer, so it gets an HTTP
     * error as the spec asks of a server that cannot accept one; malformed params are -32602, in-band on 200 for legacy
     * clients (as an upstream answers them) and on 400 in the modern era (a missing required field).
     */
    private void answerRefusal(Exchange ex) {
        RequestShape.Refusal r = ex.verdict.refusal();
        recorder.record(ex, DecisionIds.next(), null);
        metrics.decision(ex.serverTag(), ex.rpcMethod(), r.kind().tag);
        int status = r.kind() == RequestShape.Kind.NOTIFICATION || ex.modern() ? 400 : 200;
        reply(ex, status, JsonRpc.error(ex.message.id(), r.code(), r.message()), "refused_" + r.kind().tag);
    }

    // ---- upstream -------------------------------------------------------------------------------

    /** Resolves the upstream's era and chooses the route: as it is, or translated between eras. */
    void forward(Exchange ex, HttpMethod method, Buffer body) {
        bridge.forward(ex, method, body);
    }

    /**
     * Takes the exchange's budget (a GET is a long-lived stream on a connection of its own, or on a stream slot of the
     * stream client's HTTP/2 connections; anything else is a call in flight on the call clients), then sends the request
     * upstream and hands the answer to a {@link Relay}. A refusal is answered before anything leaves for the upstream.
     */
    void send(Exchange ex, HttpMethod method, Buffer body) {
        boolean stream = method == HttpMethod.GET;
        Budgets.Taken taken = stream ? budgets.stream(ex.serverTag(), ex.grant.id(), upstream.lane(ex.server))
                : budgets.call(ex.serverTag());
        if (!taken.granted()) {
            refuse(ex, taken.refusal());
            return;
        }
        sendAdmitted(ex, method, body, stream ? upstream.streams(ex.server) : upstream.calls(ex.server), taken.permit(),
                false);
    }

    private void sendAdmitted(Exchange ex, HttpMethod method, Buffer body, HttpClient client, Budgets.Permit permit,
                              boolean retry) {
        RequestOptions ro = ex.server.requestOptions()
                .setMethod(method)
                .setConnectTimeout(limits.upstreamConnectTimeout().toMillis())
                .setIdleTimeout(limits.sseIdleTimeout().toMillis())
                .setHeaders(upstreamHeaders(ex, method));
        ex.upstreamSentNanos = System.nanoTime();
        metrics.gatewayTime(ex.serverTag(), ex.upstreamSentNanos - ex.startNanos);
        // Calls only: a stream's connection is opened for it, it never waits for one.
        AtomicInteger waiting = method == HttpMethod.GET ? new AtomicInteger() : metrics.callsWaiting(ex.serverTag());
        waiting.incrementAndGet();
        client.request(ro).onComplete(ar -> guarded(ex, () -> {
            waiting.decrementAndGet();
            if (ar.failed()) {
                permit.release();
                upstreamFailed(ex, "unreachable", ar.cause());
                return;
            }
            HttpClientRequest req = ar.result();
            ex.dispatched = true; // connected: from here on the upstream may receive the call
            // A GET is a listen for unsolicited messages: an upstream may hold its headers until the first one.
            long wait = method == HttpMethod.GET ? limits.sseIdleTimeout().toMillis() : limits.upstreamResponseTimeout().toMillis();
            long timer = vertx.setTimer(wait, t -> {
                upstreamFailed(ex, "timeout", null); // first: the reset below fails the response future too
                req.reset();
            });
            ex.out.onClose(req::reset);
            Future<Void> written = body == null ? req.end() : req.end(body);
            req.response().onComplete(rar -> guarded(ex, () -> {
                vertx.cancelTimer(timer);
                // The budget is held until the answer ends, however it ends (complete, failed, reset).
                if (rar.failed()) {
                    permit.release();
                } else {
                    rar.result().end().onComplete(v -> permit.release());
                }
                if (rar.failed() && written.failed() && !retry && !ex.failed && ex.out.open()) {
                    // The connection was closed under the request before the whole of it was written (typically an idle
                    // connection the server had just dropped): the upstream cannot have run it, so it goes once more,
                    // on another connection of the pool or a new one.
                    metrics.upstreamError(ex.serverTag(), "retried_not_written");
                    Budgets.Taken again = method == HttpMethod.GET
                            ? budgets.stream(ex.serverTag(), ex.grant.id(), upstream.lane(ex.server))
                            : budgets.call(ex.serverTag());
                    if (!again.granted()) {
                        refuse(ex, again.refusal());
                        return;
                    }
                    sendAdmitted(ex, method, body == null ? null : body.copy(), client, again.permit(), true);
                    return;
                }
                if (rar.failed()) {
                    // Only a write that failed proves the upstream never had the whole request; a reset after it may not.
                    upstreamFailed(ex, written.failed() ? RefundRule.NOT_WRITTEN_CAUSE : "reset", rar.cause());
                } else {
                    new Relay(this, ex, req, rar.result()).start();
                }
            }));
        }));
    }

    private MultiMap upstreamHeaders(Exchange ex, HttpMethod method) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        // Only what MCP defines travels upstream: never the client's Authorization, Cookie or Origin.
        for (Map.Entry<String, String> e : ex.requestHeaders()) {
            // Only the first value of a repeated header travels: it is the one the gateway checked against the body.
            if (HttpGuard.travelsUpstream(e.getKey()) && !h.contains(e.getKey())) {
                h.add(e.getKey(), e.getValue());
            }
        }
        if (method == HttpMethod.POST) {
            h.set("Content-Type", "application/json");
            h.set("Accept", "application/json, text/event-stream");
        } else if (method == HttpMethod.GET) {
            h.set("Accept", "text/event-stream");
        }
        if (ex.session != null && ex.session.upstreamSessionId() != null) {
            h.set(Protocol.H_SESSION, ex.session.upstreamSessionId());
            if (ex.era == Protocol.Era.HTTP_SSE) {
                h.set(Protocol.H_VERSION, ex.session.upstreamProtocolVersion());
            }
        }
        if (ex.translation != null) {
            ex.translation.headers(h);
        }
        ex.server.headers().forEach(h::set);
        return h;
    }

    void upstreamFailed(Exchange ex, String cause, Throwable t) {
        if (ex.failed) {
            return;
        }
        ex.failed = true;
        refund(ex, RefundRule.afterFailure(ex.dispatched, cause));
        Budgets.Refusal budget = "buffer_exhausted".equals(cause) ? budgets.buffersExhausted() : null;
        if (budget != null) { // the gateway's own bound, not the upstream's fault
            budgets.countRefusal(ex.serverTag(), budget);
        } else {
            metrics.upstreamError(ex.serverTag(), cause);
        }
        LOG.debugf("upstream %s for server %s: %s", cause, ex.serverTag(), t == null ? "" : LogSafe.text(t.getMessage()));
        if (ex.out.started()) {
            ex.out.end();
            return;
        }
        int status = "timeout".equals(cause) ? 504 : budget != null ? budget.status() : 502;
        if (budget != null) {
            ex.out.header("Retry-After", String.valueOf(budget.retryAfterSeconds()));
        }
        String text = switch (cause) {
            case "timeout" -> "Upstream MCP server did not answer within " + limits.upstreamResponseTimeout().toSeconds() + "s";
            case "unreachable" -> "Upstream MCP server is unreachable";
            case "invalid_json" -> "Upstream MCP server sent a response that is not JSON-RPC";
            case "unreadable_tools" -> "Upstream MCP server sent a tool list the gateway cannot read, so cannot filter";
            case "too_large" -> "Upstream MCP server sent a response larger than " + limits.maxUpstreamBodyBytes() + " bytes";
            case "buffer_exhausted" -> "The gateway holds as many answer bytes as it may (max-buffered-bytes "
                    + limits.maxBufferedBytes() + "): the answer was dropped, the call may have run upstream";
            case "auth_401", "auth_403" -> "Upstream MCP server refused the gateway's credentials (check the server's configured headers)";
            case "session_unsealable" -> "Upstream MCP server's session id cannot be carried in the gateway's session token"
                    + " (longer than " + SessionCodec.MAX_FIELD_BYTES + " bytes)";
            default -> cause.startsWith("status_") ? "Upstream MCP server failed with HTTP " + cause.substring(7)
                    : "Upstream MCP server closed the connection";
        };
        if (ex.verdict != null) {
            recorder.record(ex, DecisionIds.next(), "upstream_" + cause);
        }
        reply(ex, status, budget == null ? JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, text)
                : JsonRpc.error(id(ex), JsonRpc.INTERNAL_ERROR, text, limitData(budget)), "upstream_" + cause);
    }

    /** What a budget refusal tells the client besides its message: the setting that ran out and when to retry. */
    private static ObjectNode limitData(Budgets.Refusal r) {
        ObjectNode data = JsonRpc.NODES.objectNode();
        data.put("limit", r.setting());
        data.put("retryAfterSeconds", r.retryAfterSeconds());
        return data;
    }

    // ---- answers --------------------------------------------------------------------------------

    void reply(Exchange ex, int status, JsonNode body, String outcome) {
        metrics.request(ex.serverTag(), ex.rpcMethod(), outcome);
        ex.out.answer(status, "application/json", Buffer.buffer(JsonRpc.bytes(body)));
    }

    void failure(RoutingContext ctx) {
        if (ctx.statusCode() != 413 && bodyUnread(ctx)) {
            bodyFailed(ctx);
            return;
        }
        if (ctx.response().headWritten()) { // a stream had begun: it can only be ended
            metrics.failure("unknown", "exception");
            LOG.error("Unexpected failure in the proxy after the answer began", ctx.failure());
            if (!ctx.response().ended()) {
                ctx.response().end();
            }
            return;
        }
        Exchange ex = exchange(ctx, ctx.request().method().name());
        int status = ctx.statusCode();
        if (status == 413) {
            reply(ex, 413, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, tooLarge()), "too_large");
        } else if (status >= 400 && status < 500) {
            reply(ex, status, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Bad request"), "bad_request");
        } else {
            LOG.error("Unexpected failure in the proxy", ctx.failure());
            metrics.failure("unknown", "exception");
            reply(ex, 500, JsonRpc.error(null, JsonRpc.INTERNAL_ERROR, "Internal gateway error"), "internal_error");
        }
    }

    /**
     * A POST's handler runs once the request has ended, so a failure before that end comes from reading the body: a
     * malformed chunk, or a client gone mid-body. (BodyHandler reports these with status 200, or 400 for a codec
     * DecoderException; a body over the limit is its 413.)
     */
    private static boolean bodyUnread(RoutingContext ctx) {
        return ctx.request().method() == HttpMethod.POST && !ctx.request().isEnded();
    }

    /**
     * The client's mistake, not the gateway's: counted once and logged at debug, never as a gateway failure. The
     * 400 is written for a client still there, but after a malformed chunk Vert.x's codec has already closed the
     * connection, so that client reads the close and nothing else. Later failures of the request (the close) are
     * ignored.
     */
    private void bodyFailed(RoutingContext ctx) {
        if (ctx.get(BODY_FAILED) != null) {
            return;
        }
        ctx.put(BODY_FAILED, Boolean.TRUE);
        LOG.debugf("request body unreadable: %s", LogSafe.text(String.valueOf(ctx.failure())));
        metrics.request("unknown", null, "bad_body");
        if (ctx.response().headWritten() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(400).putHeader("Connection", "close");
        plainError(ctx, JsonRpc.BAD_REQUEST, "Bad Request: the request body could not be read (malformed chunked"
                + " encoding, or the connection ended before the body did)");
    }

    /** A method the path does not take: 405 with the methods it does take, in Allow and in the message. */
    private void methodNotAllowed(RoutingContext ctx, String allow) {
        String method = printable(ctx.request().method().name());
        metrics.request("unknown", "other_http_method", "bad_request"); // never the client's string: tags stay bounded
        ctx.response().setStatusCode(405).putHeader("Allow", allow);
        plainError(ctx, JsonRpc.BAD_REQUEST, "Method Not Allowed: " + method + " (this endpoint takes " + allow + ")");
    }

    /** A path under /mcp that names no endpoint. */
    private void noEndpoint(RoutingContext ctx) {
        metrics.request("unknown", null, "not_found");
        ctx.response().setStatusCode(404);
        plainError(ctx, JsonRpc.BAD_REQUEST,
                "Not Found: MCP endpoints are /mcp/{server}, /mcp/{server}/sse and /mcp/{server}/messages");
    }

    /**
     * A declared body over the limit is refused before it is read, on every /mcp path and whatever the method. The
     * connection is closed after the answer: the unread body would otherwise be parsed as the next request.
     */
    private void declaredLength(RoutingContext ctx) {
        String declared = ctx.request().getHeader("Content-Length");
        long length;
        try {
            length = declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            length = -1; // the HTTP codec already refused a malformed Content-Length (400)
        }
        if (length <= limits.maxBodyBytes()) {
            ctx.next();
            return;
        }
        metrics.request("unknown", null, "too_large");
        HttpServerRequest req = ctx.request();
        boolean waits = "100-continue".equalsIgnoreCase(req.getHeader("Expect"));
        if (req.version() == HttpVersion.HTTP_2 || waits || req.isEnded() || length > MAX_DISCARDED_BODY) {
            refuseTooLarge(ctx);
            return;
        }
        // A client that sends its body without waiting for an answer (most do) would get a reset instead of the 413
        // if the connection closed under its unread bytes: read them and throw them away first, then answer and close.
        long timer = vertx.setTimer(DISCARD_TIMEOUT_MILLIS, id -> req.connection().close());
        req.handler(ignored -> { });
        req.exceptionHandler(t -> vertx.cancelTimer(timer));
        req.endHandler(v -> {
            vertx.cancelTimer(timer);
            refuseTooLarge(ctx);
        });
        req.resume();
    }

    /** 413 with a JSON-RPC error; over HTTP/1.x the connection closes after it (an unread body is no next request). */
    private void refuseTooLarge(RoutingContext ctx) {
        HttpServerResponse out = ctx.response().setStatusCode(413);
        if (ctx.request().version() != HttpVersion.HTTP_2) {
            // Vert.x keeps an HTTP/1.1 connection open until the body it did not read has arrived; close it now.
            out.putHeader("Connection", "close").endHandler(v -> ctx.request().connection().close());
        }
        plainError(ctx, JsonRpc.INVALID_REQUEST, tooLarge());
    }

    private String tooLarge() {
        return "Request body larger than " + limits.maxBodyBytes() + " bytes";
    }

    /** An error answered before any MCP message was read: no id to echo. The status is already set. */
    private static void plainError(RoutingContext ctx, int code, String message) {
        ctx.response().putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(JsonRpc.bytes(JsonRpc.error(null, code, message))));
    }

    /** CORS for browser clients: the MCP headers are allowed in and Mcp-Session-Id is exposed. */
    private void cors(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        HttpServerResponse out = ctx.response();
        if (origin != null && guard.originAllowed(origin)) {
            out.putHeader("Access-Control-Allow-Origin", origin);
            out.putHeader("Vary", "Origin");
            out.putHeader("Access-Control-Expose-Headers", "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate");
            if (ctx.request().method() == HttpMethod.OPTIONS) {
                out.putHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
                String requested = ctx.request().getHeader("Access-Control-Request-Headers");
                out.putHeader("Access-Control-Allow-Headers", requested != null ? requested
                        : "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID");
                out.putHeader("Access-Control-Max-Age", "600");
                out.setStatusCode(204).end();
                return;
            }
        } else if (ctx.request().method() == HttpMethod.OPTIONS) {
            out.setStatusCode(403).end();
            return;
        }
        ctx.next();
    }

    static String outcomeName(Outcome o) {
        return o.name().toLowerCase(Locale.ROOT);
    }

    private static JsonNode id(Exchange ex) {
        return ex.message == null ? null : ex.message.id();
    }

    /** Client-chosen strings echoed in errors are cut and limited to printable ASCII. */
    static String printable(String s) {
        return JsonRpc.printable(s);
    }

    Vertx vertx() {
        return vertx;
    }

    GatewaySnapshot snapshot() {
        return snapshots.current();
    }

    PolicyGate gate() {
        return gate;
    }

    DecisionRecorder recorder() {
        return recorder;
    }

    Budgets budgets() {
        return budgets;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    GatewayConfig.Limits limits() {
        return limits;
    }
}
