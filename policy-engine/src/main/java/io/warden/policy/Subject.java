package io.warden.policy;

import java.util.Map;

/**
 * Who is calling: the grant presented and the upstream server it belongs to. Any field may be
 * {@code null}; a condition on a null field sees a missing value.
 */
public record Subject(String grantId, String grantLabel, Map<String, String> grantTags,
                      String serverId, String serverName) {
    public Subject {
        grantTags = grantTags == null ? Map.of() : Map.copyOf(grantTags);
    }

    /** A subject with only a grant id and a server id, handy in tests. */
    public static Subject of(String grantId, String serverId) {
        return new Subject(grantId, null, Map.of(), serverId, null);
    }
}
