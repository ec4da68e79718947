package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.ToolInfo;
import io.warden.snapshot.ToolDefinitions;
import io.warden.snapshot.UpstreamServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each upstream said about its tools (description, annotations), learned from tools/list answers,
 * so that risk categories can be judged at call time. A tool never listed is judged pessimistically.
 */
public final class ToolCatalog {

    private static final int MAX_TOOLS_PER_SERVER = 10_000;

    private final Map<String, Map<String, ToolInfo>> byServer = new ConcurrentHashMap<>();
    /** Hash of each tool's definition as last listed (only for servers that pin their tools). */
    private final Map<String, Map<String, String>> hashes = new ConcurrentHashMap<>();

    /** What is known of a tool; an operator's pinned category always wins over what was learned. */
    public ToolInfo lookup(UpstreamServer server, String tool) {
        Map<String, ToolInfo> tools = byServer.get(server.id());
        ToolInfo info = tools == null ? null : tools.get(tool);
        String pinned = server.categories().get(tool);
        if (info == null) {
            return pinned == null ? ToolInfo.named(tool) : ToolInfo.named(tool).pinned(pinned);
        }
        return pinned == null || pinned.equals(info.pinnedCategory()) ? info : info.pinned(pinned);
    }

    /** Drops what was learned from a server whose URL or headers changed: it may be another server now. */
    public void forget(String serverId) {
        byServer.remove(serverId);
        hashes.remove(serverId);
    }

    /** The hash of the tool's definition as this gateway last saw it listed, or null. */
    public String liveHash(UpstreamServer server, String tool) {
        Map<String, String> tools = hashes.get(server.id());
        return tools == null ? null : tools.get(tool);
    }

    /** Records (and returns) the hash of one tools/list entry's definition, for servers that pin their tools. */
    public String learnHash(UpstreamServer server, JsonNode tool) {
        String name = tool.path("name").asText("");
        String hash = ToolDefinitions.hash(tool);
        Map<String, String> tools = hashes.computeIfAbsent(server.id(), k -> new ConcurrentHashMap<>());
        if (tools.size() < MAX_TOOLS_PER_SERVER || tools.containsKey(name)) {
            tools.put(name, hash);
        }
        return hash;
    }

    /** Records one tools/list entry and returns what policy needs to judge it. */
    public ToolInfo learn(UpstreamServer server, JsonNode tool) {
        String name = tool.path("name").asText("");
        JsonNode description = tool.get("description");
        // Only the argument names are kept of the input schema: they are what classification reads.
        ToolInfo info = new ToolInfo(name, description != null && description.isTextual() ? description.asText() : null,
                tool.get("annotations"), server.categories().get(name), ToolInfo.argumentNames(tool.get("inputSchema")));
        Map<String, ToolInfo> tools = byServer.computeIfAbsent(server.id(), k -> new ConcurrentHashMap<>());
        if (tools.size() < MAX_TOOLS_PER_SERVER || tools.containsKey(name)) {
            tools.put(name, info);
        }
        return info;
    }
}
