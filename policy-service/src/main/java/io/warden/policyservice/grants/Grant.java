package io.warden.policyservice.grants;

import java.time.Instant;
import java.util.Map;

/** A stored grant. Only the token's hash is known; it never leaves the service through the API. */
public record Grant(String id, String label, String serverId, String policyName, String tokenHash,
                    Map<String, String> tags, Instant createdAt, Instant rotatedAt, Instant revokedAt,
                    Instant expiresAt) {
    public Grant {
        tags = Map.copyOf(tags);
    }

    public GrantView view(Instant now) {
        String state = revokedAt != null ? "revoked" : expiresAt != null && !expiresAt.isAfter(now) ? "expired"
                : "active";
        return new GrantView(id, label, serverId, policyName, new java.util.TreeMap<>(tags), state, createdAt,
                rotatedAt, revokedAt, expiresAt);
    }

    @Override
    public String toString() {
        return "Grant[" + id + " server=" + serverId + " policy=" + policyName + "]";
    }
}
