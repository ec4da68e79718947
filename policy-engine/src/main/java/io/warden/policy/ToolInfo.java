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
 */
public record ToolInfo(String name, String description, JsonNode annotations, String pinnedCategory) {

    /** A tool known only by name: classified from its name alone, pessimistically. */
    public static ToolInfo named(String name) {
        return new ToolInfo(name, null, null, null);
    }

    /** The risk category of this tool, see {@link RiskCategory#classify(ToolInfo)}. */
    public RiskCategory category() {
        return RiskCategory.classify(this);
    }
}
