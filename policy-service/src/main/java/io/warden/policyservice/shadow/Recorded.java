package io.warden.policyservice.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.api.DecisionEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The part of a stored decision a replay can use. Argument values are not in the record (only their keys), so a
 * replay never sees them.
 */
record Recorded(String id, Instant time, String grant, String grantLabel, String method, String tool, String outcome,
                String rule) {

    /** From audit-service's stored event; null when the record lacks what a replay needs. */
    static Recorded of(JsonNode e) {
        String time = e.path("time").asText(null);
        String method = e.path("method").asText(null);
        DecisionEvent.Outcome outcome = DecisionEvent.Outcome.fromWire(e.path("outcome").asText(null));
        if (time == null || method == null || outcome == null) {
            return null;
        }
        try {
            return new Recorded(e.path("id").asText(null), Instant.parse(time), e.path("grant_id").asText(null),
                    e.path("grant_label").asText(null), method, e.path("tool").asText(null), outcome.wire(),
                    e.path("rule").asText(null));
        } catch (DateTimeParseException ex) {
            return null;
        }
    }
}
