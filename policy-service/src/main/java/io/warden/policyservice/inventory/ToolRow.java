package io.warden.policyservice.inventory;

import java.time.Instant;

/**
 * One stored tool: its current definition and the one an operator accepted (canonical JSON each, with its hash).
 * They differ when the upstream changed the tool after it was first seen.
 */
record ToolRow(String serverId, String name, String definition, String hash, String approvedDefinition,
               String approvedHash, Instant firstSeen, Instant lastChanged, Instant lastSeen, boolean listed) {

    boolean changed() {
        return !hash.equals(approvedHash);
    }
}
