package io.warden.snapshot;

import java.util.Map;

/**
 * A grant: one bearer token for one server, bound to one policy. Only the token's hash is known.
 *
 * @param expiresAtMillis when the grant stops working (milliseconds since the epoch); 0: never. Checked on every
 *                        request, so a grant expires on time even while the snapshot that carries it stays current.
 */
public record Grant(String id, String label, String serverId, String tokenHash, String policyId, Map<String, String> tags,
                    long expiresAtMillis) {
    public Grant {
        tags = Map.copyOf(tags);
    }

    /** A grant that never expires (the standalone file has no expiry). */
    public Grant(String id, String label, String serverId, String tokenHash, String policyId, Map<String, String> tags) {
        this(id, label, serverId, tokenHash, policyId, tags, 0);
    }

    /** True once the grant's expiry has passed. */
    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis != 0 && expiresAtMillis <= nowMillis;
    }

    @Override
    public String toString() {
        return "Grant[" + id + " server=" + serverId + " policy=" + policyId + "]";
    }
}
