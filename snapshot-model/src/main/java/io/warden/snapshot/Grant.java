package io.warden.snapshot;

import java.util.Map;

/** A grant: one bearer token for one server, bound to one policy. Only the token's hash is known. */
public record Grant(String id, String label, String serverId, String tokenHash, String policyId, Map<String, String> tags) {
    public Grant {
        tags = Map.copyOf(tags);
    }

    @Override
    public String toString() {
        return "Grant[" + id + " server=" + serverId + " policy=" + policyId + "]";
    }
}
