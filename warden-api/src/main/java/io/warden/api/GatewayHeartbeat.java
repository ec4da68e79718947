package io.warden.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A gateway instance's periodic report on the decision topic, beside its {@link DecisionEvent}s: how far its sequence
 * has gone and how many events it lost, by cause, since it started. Counters are cumulative, so a lost heartbeat costs
 * nothing but freshness; the audit service subtracts two of them to get the drops in a time range. Described by
 * {@code gateway-heartbeat.schema.json} next to this class.
 *
 * @param schemaVersion {@link DecisionEvent#SCHEMA_VERSION} (heartbeats exist from version 2)
 * @param kind          always {@link #KIND}
 * @param time          ISO-8601 instant (UTC) of the report
 * @param gatewayId     the configured gateway id
 * @param instance      the gateway process, as in its decision events
 * @param sequence      the last sequence number assigned so far (0 before the first event)
 * @param dropped       events lost since the instance started, by cause (e.g. {@code queue_full}, {@code spool_full})
 * @param last          true on the report sent while the instance shuts down
 */
public record GatewayHeartbeat(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("kind") String kind,
        @JsonProperty("time") String time,
        @JsonProperty("gateway_id") String gatewayId,
        @JsonProperty("instance") String instance,
        @JsonProperty("sequence") long sequence,
        @JsonProperty("dropped") Map<String, Long> dropped,
        @JsonProperty("last") boolean last) {

    /** The {@code kind} of a heartbeat. */
    public static final String KIND = "heartbeat";

    public GatewayHeartbeat {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(gatewayId, "gatewayId");
        Objects.requireNonNull(instance, "instance");
        if (!KIND.equals(kind)) {
            throw new IllegalArgumentException("kind must be " + KIND);
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must not be negative");
        }
        dropped = dropped == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(dropped));
        for (Long n : dropped.values()) {
            if (n == null || n < 0) {
                throw new IllegalArgumentException("dropped counts must be numbers, not negative");
            }
        }
    }

    public static GatewayHeartbeat of(java.time.Instant time, String gatewayId, String instance, long sequence,
                                      Map<String, Long> dropped, boolean last) {
        return new GatewayHeartbeat(DecisionEvent.SCHEMA_VERSION, KIND, DecisionEvent.isoMicros(time), gatewayId,
                instance, sequence, dropped, last);
    }

    /** All causes together. */
    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }
}
