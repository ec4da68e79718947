package io.warden.audit.store;

import io.warden.api.DecisionEvent;
import io.warden.api.GatewayHeartbeat;
import java.time.Instant;
import java.util.UUID;

/**
 * One record of the decision topic as the store writes it: a decision or a completion (the indexed columns taken from
 * the parsed {@link DecisionEvent}, and the event's JSON exactly as it arrived, with any properties this build does not
 * know yet), or a gateway's heartbeat ({@code event} null, {@code id} null).
 */
public record StoredDecision(UUID id, Instant time, DecisionEvent event, String json, GatewayHeartbeat heartbeat) {

    public StoredDecision(UUID id, Instant time, DecisionEvent event, String json) {
        this(id, time, event, json, null);
    }

    public static StoredDecision heartbeat(Instant time, GatewayHeartbeat beat, String json) {
        return new StoredDecision(null, time, null, json, beat);
    }

    public boolean isHeartbeat() {
        return heartbeat != null;
    }

    public boolean isCompletion() {
        return event != null && event.kind() == DecisionEvent.Kind.COMPLETION;
    }
}
