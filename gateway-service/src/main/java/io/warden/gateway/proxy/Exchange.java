package io.warden.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.ratelimit.LimitOutcome;
import io.warden.gateway.ratelimit.RefundRule;
import io.warden.gateway.session.SessionState;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.Grant;
import io.warden.snapshot.UpstreamServer;

/**
 * One client request on its way through the gateway: what was established so far. Built step by
 * step by {@link McpProxy}; read by the relay and the decision recorder.
 */
final class Exchange {
    /** The HTTP request; null for a message another pod received for a stream of this one. */
    final RoutingContext ctx;
    /** The client's request headers when there is no {@link #ctx} (only those that travel upstream). */
    private final MultiMap relayedHeaders;
    final Downstream out;
    final long startNanos;
    final String method;
    GatewaySnapshot snapshot;
    UpstreamServer server;
    Grant grant;
    JsonRpc.Message message;
    byte[] body;
    Protocol.Era era = Protocol.Era.LEGACY;
    String protocolVersion;
    SessionState session;
    PolicyGate.Verdict verdict;
    /** What the limiter said, when the call had limits. */
    LimitOutcome limit;
    /** Set when the call's tokens were given back (at most once), with the proof that it never reached the tool. */
    RefundRule.Refund refund;
    /** Set once the call itself may have been written to the upstream; before that, a failure proves it was not sent. */
    boolean dispatched;
    /** JSON-RPC messages the upstream sent on this call's stream so far: after one, the tool had started. */
    int upstreamMessages;
    long upstreamSentNanos;
    long upstreamMicros = -1;
    Integer upstreamStatus;
    /** Set when the route translates between eras (or watches for a changed era); null on the plain path. */
    EraBridge.Translation translation;
    /** Set when an allowed call's decision was published as it went upstream: its completion reuses both. */
    String decisionId;
    java.time.Instant decisionTime;
    /** Set once an upstream failure was answered, so a timeout and the reset it causes answer once. */
    boolean failed;

    Exchange(RoutingContext ctx, String method, Downstream out) {
        this(ctx, null, method, out);
    }

    /** A message received by another pod for a stream held here: its headers came along, its request stayed there. */
    Exchange(MultiMap relayedHeaders, String method, Downstream out) {
        this(null, relayedHeaders, method, out);
    }

    private Exchange(RoutingContext ctx, MultiMap relayedHeaders, String method, Downstream out) {
        this.ctx = ctx;
        this.relayedHeaders = relayedHeaders;
        this.out = out;
        this.method = method;
        this.startNanos = System.nanoTime();
    }

    MultiMap requestHeaders() {
        return ctx != null ? ctx.request().headers() : relayedHeaders;
    }

    String serverTag() {
        return server == null ? "unknown" : server.id();
    }

    String rpcMethod() {
        return message == null ? method : message.method() == null ? "response" : message.method();
    }

    boolean modern() {
        return era == Protocol.Era.MODERN;
    }
}
