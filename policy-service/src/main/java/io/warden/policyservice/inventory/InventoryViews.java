package io.warden.policyservice.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** What the inventory API answers (snake_case JSON); tool definitions come from upstreams and hold no secret. */
public final class InventoryViews {
    private InventoryViews() {
    }

    /** The recommended rule for one tool ({@code rule} null for {@code deny}: the default denies it). */
    public record Recommended(String action, String why, JsonNode rule) {}

    /**
     * One tool. {@code changed}: its definition differs from the accepted one, which is then in
     * {@code previous_definition} ({@code definition} is what the upstream lists now).
     */
    public record Tool(String name, String title, String description, JsonNode inputSchema, JsonNode annotations,
                       String hash, Instant firstSeen, Instant lastChanged, Instant lastSeen, boolean listed,
                       boolean changed, String category, String risk, List<String> reasons, Recommended recommended,
                       JsonNode definition, JsonNode previousDefinition) {}

    /**
     * A server's inventory and the state of its last fetch. {@code toolPinning}: gateways hide the tools pending
     * approval.
     */
    public record Inventory(String server, Fetch lastFetch, boolean toolPinning, List<String> pendingApproval,
                            List<Tool> tools) {}

    /** The tool pinning option of a server (the request and the answer). */
    public record Pinning(Boolean enabled) {}

    public record Fetch(Instant at, boolean ok, String era, String error) {}

    /** The answer to a refresh: the fetch and what it changed. */
    public record Refresh(String server, Fetch fetch, int tools, List<String> added, List<String> changed,
                          List<String> removed) {}

    /** The answer to "test connection". */
    public record ConnectionTest(String server, boolean reachable, String era, String protocolVersion,
                                 JsonNode serverInfo, Integer toolCount, long elapsedMs, String error) {}

    /** A tool definition as the admin audit trail records it. */
    public record ToolChange(String server, String tool, String hash, JsonNode definition) {}
}
