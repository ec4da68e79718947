package io.warden.policy;

import java.util.Map;

/**
 * Who is calling: the grant presented, the upstream server it belongs to and, when the client
 * holds one, its MCP session. Any field may be {@code null}; a condition on a null field sees a
 * missing value.
 *
 * @param sessionId the MCP session the call belongs to ({@code Mcp-Session-Id} as the gateway issued it, or the
 *     legacy HTTP+SSE session), or {@code null} for a client without a session (the stateless 2026-07-28 era).
 *     Only {@code session}-scoped limits read it, and only through a digest: it never appears in a bucket key.
 */
public record Subject(String grantId, String grantLabel, Map<String, String> grantTags,
                      String serverId, String serverName, String sessionId) {
    public Subject {
        grantTags = copyWithoutNulls(grantTags);
    }

    /** A subject outside any session. */
    public Subject(String grantId, String grantLabel, Map<String, String> grantTags, String serverId,
                   String serverName) {
        this(grantId, grantLabel, grantTags, serverId, serverName, null);
    }

    /** This subject within the MCP session {@code sessionId} (null: no session). */
    public Subject withSession(String sessionId) {
        return new Subject(grantId, grantLabel, grantTags, serverId, serverName, sessionId);
    }

    /** Leaves the session id out: it lets whoever holds it use the session, so it is never logged. */
    @Override
    public String toString() {
        return "Subject[grantId=" + grantId + ", grantLabel=" + grantLabel + ", grantTags=" + grantTags
                + ", serverId=" + serverId + ", serverName=" + serverName
                + ", session=" + (sessionId == null ? "none" : "(withheld)") + "]";
    }

    private static Map<String, String> copyWithoutNulls(Map<String, String> tags) {
        if (tags == null || tags.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new java.util.HashMap<>();
        tags.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k, v);
            }
        });
        return Map.copyOf(copy);
    }

    /** A subject with only a grant id and a server id, handy in tests. */
    public static Subject of(String grantId, String serverId) {
        return new Subject(grantId, null, Map.of(), serverId, null);
    }
}
