package io.warden.snapshot;

import java.util.Map;
import java.util.Set;

/**
 * A server's tool pins: when {@code enabled}, a gateway serves only tools whose definition is the approved one.
 * {@code approved}: tool name to the hash ({@link ToolDefinitions#hash}) of its approved definition. {@code changed}:
 * tools the inventory saw with another definition, waiting for approval; refused even by a gateway that has not seen
 * the new definition itself (another pod may have answered the client's tools/list).
 */
public record ToolPins(boolean enabled, Map<String, String> approved, Set<String> changed) {
    public static final ToolPins NONE = new ToolPins(false, Map.of(), Set.of());

    public ToolPins {
        approved = Map.copyOf(approved);
        changed = Set.copyOf(changed);
    }

    /** Why the tool may not be served, or null when it may. {@code liveHash}: what this gateway saw, null if nothing. */
    public String refusal(String tool, String liveHash) {
        if (!enabled) {
            return null;
        }
        String pin = approved.get(tool);
        if (pin == null) {
            return "tool '" + tool + "' has no approved definition yet; an administrator approves it in the tool inventory";
        }
        if (changed.contains(tool) || (liveHash != null && !liveHash.equals(pin))) {
            return "tool '" + tool + "' changed since its definition was approved; an administrator must approve the"
                    + " new definition in the tool inventory";
        }
        return null;
    }
}
