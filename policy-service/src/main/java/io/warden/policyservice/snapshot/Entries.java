package io.warden.policyservice.snapshot;

import java.util.List;
import java.util.Map;

/** The entities as gateways receive them (JSON in the change log, protobuf on the wire). */
public final class Entries {
    private Entries() {
    }

    /**
     * {@code sealedHeaders}: header name → versioned ciphertext, never plain text. {@code toolPins}: tool name → hash
     * of its approved definition; {@code changedTools}: tools waiting for approval; both enforced by gateways only
     * when {@code toolPinning}. Entries logged before pins existed read back with none (and pinning off), those logged
     * before {@code http2} with it off (HTTP/1.1).
     */
    public record ServerEntry(String id, String name, String url, String era, Map<String, String> sealedHeaders,
                              boolean toolPinning, Map<String, String> toolPins, List<String> changedTools,
                              boolean http2) {
        public ServerEntry {
            toolPins = toolPins == null ? Map.of() : toolPins;
            changedTools = changedTools == null ? List.of() : changedTools;
        }

        @Override
        public String toString() {
            return "ServerEntry[" + id + "]";
        }
    }

    /** An active grant; {@code expiresAtMillis} 0 when it does not expire. */
    public record GrantEntry(String id, String label, String server, String policy, String tokenHash,
                             Map<String, String> tags, long expiresAtMillis) {
    }

    /** A policy's current version, its document in canonical JSON. */
    public record PolicyEntry(String name, int version, String hash, String document) {
    }

    /** One committed change: an entity replaced ({@code entry} set) or removed ({@code entry} null). */
    public record Change(long revision, String entityType, String entityId, Object entry) {
    }

    /** Everything at one store revision. */
    public record Snapshot(long revision, List<ServerEntry> servers, List<GrantEntry> grants,
                           List<PolicyEntry> policies) {
    }
}
