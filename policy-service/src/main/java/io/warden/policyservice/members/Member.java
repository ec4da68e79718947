package io.warden.policyservice.members;

import io.warden.policyservice.security.Role;
import java.time.Instant;

/** A stored member (API key). The key itself is never stored; {@code keyHash} never leaves the service. */
public record Member(String id, String label, Role role, String keyHash, Instant createdAt, String createdBy,
                     Instant revokedAt) {
    public MemberView view() {
        return new MemberView(id, label, role, createdAt, createdBy, revokedAt);
    }

    @Override
    public String toString() {
        return "Member[" + id + " " + role.wire() + "]";
    }
}
