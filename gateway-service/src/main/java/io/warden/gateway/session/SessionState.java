package io.warden.gateway.session;

import java.util.Objects;

/**
 * What a gateway-minted {@code Mcp-Session-Id} carries. Any pod that holds the key can rebuild this from the token alone.
 *
 * @param serverId                the upstream server the session belongs to
 * @param grantId                 the grant the session is bound to; a request carrying another grant's token must be refused
 * @param upstreamSessionId       the upstream's own session id, or {@code null} when the upstream is stateless; never shown
 *                                to the client
 * @param protocolVersion         the version negotiated with the client
 * @param upstreamProtocolVersion the version negotiated with the upstream, which may differ
 * @param expiresAtEpochSecond    the first second at which the session is no longer accepted
 */
public record SessionState(String serverId, String grantId, String upstreamSessionId, String protocolVersion,
                           String upstreamProtocolVersion, long expiresAtEpochSecond) {

    public SessionState {
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(upstreamProtocolVersion, "upstreamProtocolVersion");
    }

    /** Leaves the upstream session id out, so that logging a session never leaks it. */
    @Override
    public String toString() {
        return "SessionState[serverId=" + serverId + ", grantId=" + grantId
                + ", upstreamSessionId=" + (upstreamSessionId == null ? "none" : "(withheld)")
                + ", protocolVersion=" + protocolVersion + ", upstreamProtocolVersion=" + upstreamProtocolVersion
                + ", expiresAtEpochSecond=" + expiresAtEpochSecond + "]";
    }
}
