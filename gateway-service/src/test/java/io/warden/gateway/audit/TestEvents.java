package io.warden.gateway.audit;

import io.warden.api.DecisionEvent;
import io.warden.api.DecisionEvent.Era;
import io.warden.api.DecisionEvent.Outcome;
import java.time.Instant;

/** Decision events for the audit tests. */
final class TestEvents {

    static final Instant TIME = Instant.parse("2026-08-01T10:00:00.123456Z");

    private TestEvents() {
    }

    /** A denied tools/call with every optional part filled in except the argument snapshot. */
    static DecisionEvent.Builder deniedCall() {
        return DecisionEvent.builder()
                .time(TIME)
                .gatewayId("gw-1")
                .sequence("gw-1/0a1b2c3d", 7)
                .requestId("42")
                .serverId("github")
                .grantId("ci-bot")
                .grantLabel("CI bot")
                .era(Era.LEGACY)
                .protocolVersion("2025-06-18")
                .method("tools/call")
                .tool("delete_repo")
                .outcome(Outcome.DENIED, "/tools/delete_repo/deny_if/0", "Deleting repositories is not allowed")
                .shadow("/all_tools/limits/calls-per-minute", "would exceed 60 calls per minute")
                .policy("repo-policy", "7")
                .argumentSummary(java.util.List.of("repo", "owner"), "hmac-sha256:" + "ab".repeat(32), "0123abcd")
                .gatewayMicros(412)
                .flag("limiter_open");
    }

    /** The smallest event: an allowed tools/list that reached no upstream. */
    static DecisionEvent minimal(int n) {
        return DecisionEvent.builder()
                .time(TIME)
                .gatewayId("gw-1")
                .sequence("gw-1/0a1b2c3d", n + 1)
                .serverId("github")
                .grantId("ci-bot")
                .era(Era.MODERN)
                .protocolVersion("2026-07-28")
                .method("tools/list")
                .outcome(Outcome.ALLOWED, null, null)
                .policy("repo-policy", "7")
                .gatewayMicros(n)
                .build();
    }
}
