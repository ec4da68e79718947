package io.warden.snapshot;

import java.util.Map;
import java.util.Optional;

/**
 * Everything a gateway needs to decide, as one immutable value. A source (the standalone file today,
 * the policy-service gRPC stream later) builds a whole new snapshot and swaps it in atomically.
 */
public record GatewaySnapshot(
        String version,
        Map<String, UpstreamServer> servers,
        Map<String, Grant> grantsByTokenHash,
        Map<String, PolicyEntry> policies) {

    public static final GatewaySnapshot EMPTY = new GatewaySnapshot("empty", Map.of(), Map.of(), Map.of());

    public GatewaySnapshot {
        servers = Map.copyOf(servers);
        grantsByTokenHash = Map.copyOf(grantsByTokenHash);
        policies = Map.copyOf(policies);
    }

    public Optional<UpstreamServer> server(String id) {
        return Optional.ofNullable(servers.get(id));
    }

    public Optional<Grant> grantByTokenHash(String hash) {
        return Optional.ofNullable(grantsByTokenHash.get(hash));
    }

    /** Empty when the grant names no policy or an unknown one: the engine then denies with "(no policy)". */
    public Optional<PolicyEntry> policyFor(Grant grant) {
        return grant.policyId() == null ? Optional.empty() : Optional.ofNullable(policies.get(grant.policyId()));
    }
}
