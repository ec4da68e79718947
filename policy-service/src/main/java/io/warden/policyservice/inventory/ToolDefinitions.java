package io.warden.policyservice.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The part of a tools/list entry the inventory keeps and hashes: name, title, description, inputSchema, annotations. */
final class ToolDefinitions {
    private static final String[] FIELDS = {"name", "title", "description", "inputSchema", "annotations"};

    private ToolDefinitions() {
    }

    static ObjectNode of(JsonNode listed) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        for (String field : FIELDS) {
            JsonNode v = listed.get(field);
            if (v != null && !v.isNull()) {
                d.set(field, v);
            }
        }
        return d;
    }
}
