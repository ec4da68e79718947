package io.warden.policy;

import java.util.Map;

/**
 * Who is calling: the grant presented and the upstream server it belongs to. Any field may be
 * {@code null}; a condition on a null field sees a missing value.
 */
public record Subject(String grantId, String grantLabel, Map<String, String> grantTags,
                      String serverId, String serverName) {
    public Subject {
        grantTags = copyWithoutNulls(grantTags);
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
