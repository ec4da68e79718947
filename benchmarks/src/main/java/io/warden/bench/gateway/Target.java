package io.warden.bench.gateway;

import io.vertx.core.MultiMap;

/**
 * Where one series of calls goes and how they are dressed.
 *
 * @param label     shown in the report, e.g. {@code direct} or {@code warden}
 * @param port      loopback port
 * @param path      MCP endpoint path
 * @param token     grant token sent as a bearer token, or null (direct to the upstream)
 * @param era       the protocol era of the calls
 * @param sessionId legacy era only: the session from {@code initialize}, else null
 */
public record Target(String label, int port, String path, String token, Era era, String sessionId) {

    public enum Era {
        /** 2026-07-28: stateless, the version in {@code params._meta} and in headers that must agree with the body. */
        MODERN("2026-07-28"),
        /** 2025-11-25: initialize once, then every POST carries the session. */
        LEGACY("2025-11-25");

        final String version;

        Era(String version) {
            this.version = version;
        }
    }

    Target withSession(String session) {
        return new Target(label, port, path, token, era, session);
    }

    /** Headers of a POST carrying {@code method} (and, for named methods, {@code name}). */
    MultiMap headers(String method, String name) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .set("Content-Type", "application/json")
                .set("Accept", "application/json, text/event-stream");
        if (token != null) {
            h.set("Authorization", "Bearer " + token);
        }
        if (era == Era.MODERN) {
            h.set("MCP-Protocol-Version", era.version).set("Mcp-Method", method);
            if (name != null) {
                h.set("Mcp-Name", name);
            }
        } else if (sessionId != null) {
            h.set("MCP-Protocol-Version", era.version).set("Mcp-Session-Id", sessionId);
        }
        return h;
    }
}
