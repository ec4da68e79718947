package io.warden.policyservice.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One change made through the admin API. {@code before}/{@code after} are public views: no secrets, no tokens. */
public record AuditEntry(long id, Instant at, String actor, String action, String entityType, String entityId,
                         JsonNode before, JsonNode after) {
}
