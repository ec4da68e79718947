package io.warden.audit.store;

import io.warden.api.DecisionEvent;
import java.time.Instant;
import java.util.UUID;

/**
 * One decision as the store writes it: the indexed columns taken from the parsed {@link DecisionEvent}, and the event's
 * JSON exactly as it arrived (with any properties this build does not know yet).
 */
public record StoredDecision(UUID id, Instant time, DecisionEvent event, String json) {
}
