package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the gateway knows about an upstream tool (from {@code tools/list}).
 *
 * @param name the tool name
 * @param description the tool description, or {@code null}
 * @param annotations the tool's {@code annotations} object, or {@code null} when unknown
 * @param pinnedCategory a category pinned by an operator for this server ({@code read},
 *     {@code write}, {@code execute}, {@code destructive}, {@code financial}), or {@code null};
 *     it wins over the classifier
 * @param argumentNames the top-level property names of the tool's input schema (an {@code amount}
 *     or {@code currency} argument makes a tool financial); empty when unknown
 */
public record ToolInfo(String name, String description, JsonNode annotations, String pinnedCategory,
                       java.util.List<String> argumentNames) {

    public ToolInfo {
        argumentNames = argumentNames == null ? java.util.List.of() : java.util.List.copyOf(argumentNames);
    }

    /** A tool whose input schema is unknown. */
    public ToolInfo(String name, String description, JsonNode annotations, String pinnedCategory) {
        this(name, description, annotations, pinnedCategory, java.util.List.of());
    }

    /** A tool known only by name: classified from its name alone, pessimistically. */
    public static ToolInfo named(String name) {
        return new ToolInfo(name, null, null, null);
    }

    /** The same tool with an operator's pinned category. */
    public ToolInfo pinned(String category) {
        return new ToolInfo(name, description, annotations, category, argumentNames);
    }

    /** The top-level property names of a tool's {@code inputSchema}; empty when it has none. */
    public static java.util.List<String> argumentNames(JsonNode inputSchema) {
        JsonNode properties = inputSchema == null ? null : inputSchema.get("properties");
        if (properties == null || !properties.isObject()) {
            return java.util.List.of();
        }
        java.util.List<String> names = new java.util.ArrayList<>(properties.size());
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The risk category of this tool, see {@link RiskCategory#classify(ToolInfo)}. */
    public RiskCategory category() {
        return RiskCategory.classify(this);
    }
}
