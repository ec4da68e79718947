package io.warden.gateway.proxy;

import io.vertx.ext.web.RoutingContext;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.policy.GatewaySnapshot;
import io.warden.gateway.policy.Grant;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.policy.UpstreamServer;
import io.warden.gateway.ratelimit.LimitOutcome;
import io.warden.gateway.session.SessionState;

/**
 * One client request on its way through the gateway: what was established so far. Built step by
 * step by {@link McpProxy}; read by the relay and the decision recorder.
 */
final class Exchange {
    final RoutingContext ctx;
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
    boolean refunded;
    long upstreamSentNanos;
    long upstreamMicros = -1;
    Integer upstreamStatus;
    /** Set when the route translates between eras (or watches for a changed era); null on the plain path. */
    EraBridge.Translation translation;
    /** Set once an upstream failure was answered, so a timeout and the reset it causes answer once. */
    boolean failed;

    Exchange(RoutingContext ctx, String method, Downstream out) {
        this.ctx = ctx;
        this.out = out;
        this.method = method;
        this.startNanos = System.nanoTime();
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
