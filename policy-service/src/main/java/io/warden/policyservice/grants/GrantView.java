package io.warden.policyservice.grants;

import java.time.Instant;
import java.util.Map;

/** A grant as the API shows it: never the token, never its hash. {@code state}: active, revoked or expired. */
public record GrantView(String id, String label, String server, String policy, Map<String, String> tags,
                        String state, Instant createdAt, Instant rotatedAt, Instant revokedAt, Instant expiresAt) {
}
