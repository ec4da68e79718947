package io.warden.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The part of a tools/list entry that defines a tool (name, title, description, inputSchema, annotations) and its
 * hash. policy-service's inventory and the gateway both hash with this, so a pin made from the inventory matches the
 * definition a gateway sees live exactly when the upstream describes the tool the same way. Pure.
 */
public final class ToolDefinitions {
    private static final String[] FIELDS = {"name", "title", "description", "inputSchema", "annotations"};

    private ToolDefinitions() {
    }

    /** The defining fields only: {@code _meta}, icons and the like may change without changing what the tool does. */
    public static ObjectNode of(JsonNode listed) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        for (String field : FIELDS) {
            JsonNode v = listed.get(field);
            if (v != null && !v.isNull()) {
                d.set(field, v);
            }
        }
        return d;
    }

    /** {@code sha256:} + hex over the canonical JSON of {@link #of}. */
    public static String hash(JsonNode listed) {
        return CanonicalJson.hash(of(listed));
    }
}
