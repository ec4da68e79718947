package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.ToolInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each upstream said about its tools (description, annotations), learned from tools/list answers,
 * so that risk categories can be judged at call time. A tool never listed is judged pessimistically.
 */
public final class ToolCatalog {

    private static final int MAX_TOOLS_PER_SERVER = 10_000;

    private final Map<String, Map<String, ToolInfo>> byServer = new ConcurrentHashMap<>();

    public ToolInfo lookup(String serverId, String tool) {
        Map<String, ToolInfo> tools = byServer.get(serverId);
        ToolInfo info = tools == null ? null : tools.get(tool);
        return info != null ? info : ToolInfo.named(tool);
    }

    /** Records one tools/list entry and returns what policy needs to judge it. */
    public ToolInfo learn(String serverId, JsonNode tool) {
        String name = tool.path("name").asText("");
        JsonNode description = tool.get("description");
        ToolInfo info = new ToolInfo(name, description != null && description.isTextual() ? description.asText() : null,
                tool.get("annotations"), null);
        Map<String, ToolInfo> tools = byServer.computeIfAbsent(serverId, k -> new ConcurrentHashMap<>());
        if (tools.size() < MAX_TOOLS_PER_SERVER || tools.containsKey(name)) {
            tools.put(name, info);
        }
        return info;
    }
}
