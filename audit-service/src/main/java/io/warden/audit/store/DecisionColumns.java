package io.warden.audit.store;

import io.warden.api.DecisionEvent;
import java.util.List;
import java.util.function.Function;

/**
 * The one list of a decision's properties as this service exports and stores them: every property in CSV column order
 * (the version-1 columns first, in their old order, so that readers by position keep working; then the version-2
 * ones), and for those that are also columns of {@code decisions}, the column's SQL type and how to read its value from
 * the event. The writer's INSERT and the CSV export both derive from it, so a property added here reaches both.
 */
public final class DecisionColumns {

    /**
     * One property. {@code sqlType} and {@code value} are null when the property lives only in the stored event
     * ({@code event jsonb}), not in a column of its own; the column has the property's name.
     */
    public record Property(String name, String sqlType, Function<DecisionEvent, Object> value) {
        public boolean stored() {
            return sqlType != null;
        }
    }

    /** Every exported property, in CSV column order. */
    public static final List<Property> ALL = List.of(
            column("id", "uuid", DecisionEvent::id),
            column("time", "timestamptz", DecisionEvent::time),
            column("gateway_id", "text", DecisionEvent::gatewayId),
            column("server_id", "text", DecisionEvent::serverId),
            column("grant_id", "text", DecisionEvent::grantId),
            eventOnly("era"),
            eventOnly("protocol_version"),
            column("method", "text", DecisionEvent::method),
            column("tool", "text", DecisionEvent::tool),
            column("outcome", "text", e -> e.outcome().wire()), // version-1 spellings stored in version-2 form
            column("rule", "text", DecisionEvent::rule),
            column("message", "text", DecisionEvent::message),
            column("policy_id", "text", DecisionEvent::policyId),
            column("policy_version", "text", DecisionEvent::policyVersion),
            eventOnly("shadow"),
            eventOnly("argument_keys"),
            eventOnly("argument_digest"),
            eventOnly("redacted"),
            column("upstream_status", "int4", DecisionEvent::upstreamStatus),
            column("gateway_micros", "int8", DecisionEvent::gatewayMicros),
            column("upstream_micros", "int8", DecisionEvent::upstreamMicros),
            eventOnly("flags"),
            // version 2
            column("instance", "text", DecisionEvent::instance),
            column("sequence", "int8", DecisionEvent::sequence),
            column("request_id", "text", DecisionEvent::requestId),
            column("grant_label", "text", DecisionEvent::grantLabel),
            eventOnly("argument_digest_key"),
            eventOnly("refund"),
            eventOnly("completed"));

    /** The properties that are columns of {@code decisions}, in {@link #ALL}'s order. */
    public static final List<Property> STORED = ALL.stream().filter(Property::stored).toList();

    /** The exported property names, in order (the CSV header). */
    public static final List<String> NAMES = ALL.stream().map(Property::name).toList();

    private DecisionColumns() {
    }

    private static Property column(String name, String sqlType, Function<DecisionEvent, Object> value) {
        return new Property(name, sqlType, value);
    }

    private static Property eventOnly(String name) {
        return new Property(name, null, null);
    }
}
