package io.warden.policyservice.grants;

import java.time.Instant;
import java.util.Map;

/** A new grant for one server, optionally bound to a policy, with tags policies can read and an optional expiry. */
public record GrantInput(String id, String label, String server, String policy, Map<String, String> tags,
                         Instant expiresAt) {
}
