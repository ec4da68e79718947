package io.warden.policy.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.RiskCategory;
import io.warden.policy.ToolInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the tool inventory shows for one upstream tool: its risk category (the very one policies match with
 * {@code categories} and {@code tool.category}), a risk level, and why, in sentences an operator can check.
 *
 * @param tool     the tool as classified
 * @param category the category, from {@link RiskCategory#explain}
 * @param risk     how much harm a wrong call can do
 * @param reasons  the evidence: first what decided the category, then what set the level
 */
public record ToolAssessment(ToolInfo tool, RiskCategory category, Risk risk, List<String> reasons) {

    /** Risk levels, lowest first. */
    public enum Risk {
        LOW, MEDIUM, HIGH;

        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ToolAssessment {
        reasons = List.copyOf(reasons);
    }

    /**
     * Assesses one tool. Levels: {@code read} is low (medium when the tool says it reaches outside systems with
     * {@code openWorldHint: true}); {@code write} is medium; {@code execute}, {@code destructive} and
     * {@code financial} are high.
     */
    public static ToolAssessment of(ToolInfo tool) {
        RiskCategory.Classification c = RiskCategory.explain(tool);
        List<String> reasons = new ArrayList<>();
        reasons.add(c.category().jsonName() + ": " + c.reason());
        Risk risk = switch (c.category()) {
            case READ -> Risk.LOW;
            case WRITE -> Risk.MEDIUM;
            case EXECUTE, DESTRUCTIVE, FINANCIAL -> Risk.HIGH;
        };
        JsonNode annotations = tool == null ? null : tool.annotations();
        if (risk == Risk.LOW && annotations != null && annotations.path("openWorldHint").asBoolean(false)) {
            risk = Risk.MEDIUM;
            reasons.add("medium: it reads, but reaches outside systems (openWorldHint: true)");
        } else {
            reasons.add(risk.jsonName() + ": " + switch (c.category()) {
                case READ -> "it only reads";
                case WRITE -> "it changes state";
                case EXECUTE -> "it runs code or commands";
                case DESTRUCTIVE -> "it destroys data";
                case FINANCIAL -> "it can move money";
            });
        }
        return new ToolAssessment(tool, c.category(), risk, reasons);
    }

    /** Assesses a {@code tools/list} entry (name, description, annotations, inputSchema). */
    public static ToolAssessment of(JsonNode listedTool, String pinnedCategory) {
        JsonNode description = listedTool.get("description");
        return of(new ToolInfo(listedTool.path("name").asText(""),
                description != null && description.isTextual() ? description.asText() : null,
                listedTool.get("annotations"), pinnedCategory, ToolInfo.argumentNames(listedTool.get("inputSchema"))));
    }
}
