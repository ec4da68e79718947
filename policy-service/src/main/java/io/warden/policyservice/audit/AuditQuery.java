package io.warden.policyservice.audit;

import java.time.Instant;

/** Filters of the admin audit trail; null means "any". Newest first, at most {@code limit}. */
public record AuditQuery(String actor, String entityType, String entityId, Instant since, Instant until, int limit) {
}
