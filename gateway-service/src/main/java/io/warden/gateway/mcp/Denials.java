package io.warden.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an agent receives when policy stops a call (policy-language.md, "What the agent receives").
 * A denial is a tool result with {@code isError: true}, so models read the reason instead of retrying;
 * it never carries {@code structuredContent}, which SDK clients would validate against an output schema.
 */
public final class Denials {

    public static final String DECISION_META = "io.warden/decision";
    public static final String SERVER_INFO_META = "io.modelcontextprotocol/serverInfo";

    private Denials() {}

    /** The tools/call answer for a denied call. */
    public static ObjectNode denied(JsonNode id, String decisionId, String outcome, String rule, String message,
                                    Long retryAfterMs, boolean modern, String gatewayVersion) {
        ObjectNode result = JsonRpc.NODES.objectNode();
        ObjectNode text = result.putArray("content").addObject();
        text.put("type", "text");
        text.put("text", "[POLICY DENIED] " + message);
        result.put("isError", true);
        ObjectNode meta = result.putObject("_meta");
        ObjectNode d = meta.putObject(DECISION_META);
        d.put("id", decisionId);
        d.put("outcome", outcome);
        d.put("rule", rule == null ? "" : rule);
        if (retryAfterMs != null) {
            d.put("retryAfterMs", retryAfterMs);
        }
        if (modern) {
            result.put("resultType", "complete");
            ObjectNode info = meta.putObject(SERVER_INFO_META);
            info.put("name", "warden");
            info.put("version", gatewayVersion);
        }
        return JsonRpc.result(id, result);
    }

    /** A hidden tool is answered exactly like a tool the upstream does not have. */
    public static ObjectNode unknownTool(JsonNode id, String name) {
        return JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "Unknown tool: " + name);
    }

    /**
     * Upstreams word "no such tool" in their own way; a hidden tool must be indistinguishable from a
     * missing one, so the upstream's error for a tool it lacks is rewritten to the gateway's wording.
     * Returns true when {@code response} was changed.
     */
    public static boolean normalizeUnknownTool(ObjectNode response, JsonRpc.Message request) {
        if (!"tools/call".equals(request.method()) || request.target() == null
                || !(response.get("error") instanceof ObjectNode error)
                || error.path("code").asInt() != JsonRpc.INVALID_PARAMS) {
            return false;
        }
        String message = error.path("message").asText("").toLowerCase(java.util.Locale.ROOT);
        if (!message.contains(request.target().toLowerCase(java.util.Locale.ROOT))
                || !(message.contains("not found") || message.contains("unknown"))) {
            return false;
        }
        response.set("error", unknownTool(request.id(), request.target()).get("error"));
        return true;
    }

    /** A method a policy blocks as a whole. */
    public static ObjectNode methodDenied(JsonNode id, String method, String message) {
        return JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "[POLICY DENIED] " + (message == null ? method + " is not allowed" : message));
    }
}
