package io.warden.policyservice.members;

import io.warden.policyservice.security.Role;
import java.time.Instant;

/** A member as the API shows it: never the key, never its hash. */
public record MemberView(String id, String label, Role role, Instant createdAt, String createdBy, Instant revokedAt) {
}
