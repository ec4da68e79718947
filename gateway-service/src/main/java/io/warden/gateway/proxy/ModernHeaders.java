package io.warden.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;

/**
 * 2026-07-28 routing headers must agree with the body. The gateway decides on the body, so a header
 * that says something else is a smuggling attempt (or a broken client) and is refused.
 */
final class ModernHeaders {

    private ModernHeaders() {}

    /** The problem, or null when headers and body agree. */
    static String mismatch(JsonRpc.Message m, String bodyVersion, HttpServerRequest req) {
        String version = req.getHeader(Protocol.H_VERSION);
        if (version == null) {
            return "Header mismatch: MCP-Protocol-Version header is required";
        }
        if (bodyVersion != null && !bodyVersion.equals(version)) {
            return "Header mismatch: MCP-Protocol-Version header does not match params._meta";
        }
        if (m.method() == null) {
            return null;
        }
        String method = Protocol.decodeHeader(req.getHeader(Protocol.H_METHOD));
        if (method == null) {
            return "Header mismatch: Mcp-Method header is required";
        }
        if (!method.equals(m.method())) {
            return "Header mismatch: Mcp-Method header does not match the body's method";
        }
        if (Protocol.NAMED.contains(m.method()) && req.getHeader(Protocol.H_NAME) == null) {
            return "Header mismatch: Mcp-Name header is required for " + m.method();
        }
        return presentMismatch(m, req.headers());
    }

    /**
     * Before 2026-07-28 the routing headers are optional, but a client that sends them anyway has them relayed, and an
     * intermediary or the upstream may act on them: when present they must agree with the body as well. Null when they
     * do (or are absent).
     */
    static String presentMismatch(JsonRpc.Message m, MultiMap headers) {
        String rawMethod = headers.get(Protocol.H_METHOD);
        if (rawMethod != null && (m.method() == null || !m.method().equals(Protocol.decodeHeader(rawMethod)))) {
            return "Header mismatch: Mcp-Method header does not match the body's method";
        }
        String rawName = headers.get(Protocol.H_NAME);
        if (rawName != null && Protocol.NAMED.contains(m.method())) {
            String name = Protocol.decodeHeader(rawName);
            if (name == null || !name.equals(m.target())) {
                return "Header mismatch: Mcp-Name header does not match the body";
            }
        }
        return null;
    }
}
