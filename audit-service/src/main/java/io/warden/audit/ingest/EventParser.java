package io.warden.audit.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.warden.api.DecisionEvent;
import io.warden.api.GatewayHeartbeat;
import io.warden.audit.store.StoredDecision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns a Kafka record's value into a {@link StoredDecision}, with warden-api's own {@link DecisionEvent} as the only
 * model: properties this build does not know are ignored here and kept in the stored JSON. Pure; never throws.
 *
 * <p>Rejection details name the property at fault but never quote the payload: a record may carry argument values.
 */
public final class EventParser {

    /** Why a record is not a decision event; the {@code cause} tag of the dead-letter counter. */
    public enum Cause {
        NOT_JSON("not_json"), INVALID_EVENT("invalid_event"), UNSUPPORTED_SCHEMA_VERSION("unsupported_schema_version"),
        UNSTORABLE("unstorable");

        private final String tag;

        Cause(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    /** Either a decision or the reason there is none. */
    public sealed interface Result permits Parsed, Rejected {
    }

    public record Parsed(StoredDecision decision) implements Result {
    }

    public record Rejected(Cause cause, String detail) implements Result {
    }

    /** Times outside these bounds are not real decisions, and would name partitions oddly. */
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");

    private final ObjectMapper mapper;

    public EventParser(ObjectMapper mapper) {
        // Consumers ignore properties they do not know (warden-api README); one record holds exactly one value.
        this.mapper = mapper.copy()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new Rejected(Cause.NOT_JSON, "empty record");
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(value);
        } catch (IOException e) {
            return new Rejected(Cause.NOT_JSON, "not a JSON document");
        }
        if (tree == null || !tree.isObject()) {
            return new Rejected(Cause.INVALID_EVENT, "not a JSON object");
        }
        JsonNode version = tree.get("schema_version");
        if (version == null || !version.isInt() || version.intValue() < 1
                || version.intValue() > DecisionEvent.SCHEMA_VERSION) {
            return new Rejected(Cause.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version must be 1.." + DecisionEvent.SCHEMA_VERSION);
        }
        JsonNode kind = tree.get("kind");
        if (kind != null && GatewayHeartbeat.KIND.equals(kind.asText())) {
            return heartbeat(tree, value);
        }
        DecisionEvent event;
        try {
            event = mapper.treeToValue(tree, DecisionEvent.class);
        } catch (MismatchedInputException e) {
            return new Rejected(Cause.INVALID_EVENT, "wrong type or value at " + path(e));
        } catch (JsonProcessingException | RuntimeException e) {
            // a required property missing (the record's constructor names it), or a value out of range
            return new Rejected(Cause.INVALID_EVENT, "missing or invalid property: " + rootMessage(e));
        }
        UUID id;
        Instant time;
        try {
            id = UUID.fromString(event.id());
        } catch (IllegalArgumentException e) {
            return new Rejected(Cause.INVALID_EVENT, "id is not a UUID");
        }
        try {
            time = Instant.parse(event.time());
        } catch (DateTimeParseException e) {
            return new Rejected(Cause.INVALID_EVENT, "time is not an ISO-8601 instant");
        }
        if (time.isBefore(EARLIEST) || !time.isBefore(LATEST)) {
            return new Rejected(Cause.INVALID_EVENT, "time is outside the years 1970 to 9999");
        }
        // A version-1 event is stored in version 2's spelling of its outcome (its other properties read the same), so that
        // one outcome filter and one dashboard cover old and new rows; newer events are kept exactly as they arrived.
        String json = event.schemaVersion() == 1 ? v1Normalised(tree, event) : new String(value, StandardCharsets.UTF_8);
        return new Parsed(new StoredDecision(id, time, event, json));
    }

    private Result heartbeat(JsonNode tree, byte[] value) {
        GatewayHeartbeat beat;
        try {
            beat = mapper.treeToValue(tree, GatewayHeartbeat.class);
        } catch (MismatchedInputException e) {
            return new Rejected(Cause.INVALID_EVENT, "heartbeat: wrong type or value at " + path(e));
        } catch (JsonProcessingException | RuntimeException e) {
            return new Rejected(Cause.INVALID_EVENT, "heartbeat: missing or invalid property: " + rootMessage(e));
        }
        Instant time;
        try {
            time = Instant.parse(beat.time());
        } catch (DateTimeParseException e) {
            return new Rejected(Cause.INVALID_EVENT, "heartbeat: time is not an ISO-8601 instant");
        }
        if (time.isBefore(EARLIEST) || !time.isBefore(LATEST)) {
            return new Rejected(Cause.INVALID_EVENT, "heartbeat: time is outside the years 1970 to 9999");
        }
        return new Parsed(StoredDecision.heartbeat(time, beat, new String(value, StandardCharsets.UTF_8)));
    }

    private static String v1Normalised(JsonNode tree, DecisionEvent event) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("outcome", event.outcome().wire());
        return tree.toString();
    }

    private static String path(MismatchedInputException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        return path.isEmpty() ? "(root)" : path;
    }

    /** The innermost cause's message when it is a null check (it names a property); else only its type. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root instanceof NullPointerException && root.getMessage() != null
                ? root.getMessage() : root.getClass().getSimpleName();
    }
}
