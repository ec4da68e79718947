package io.warden.policyservice.shadow;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Where policy-service reads the decision history: audit-service's HTTP API. Used by shadow evaluation and by the
 * console's usage per grant; without a URL and key both answer that audit-service is not configured. Documented in
 * docs/configuration.md and docs/console.md.
 */
@ConfigMapping(prefix = "warden.policy.audit-service")
public interface AuditServiceConfig {
    /** audit-service's base URL, e.g. {@code http://audit-service:8083} (its API is under {@code /api}). */
    Optional<String> url();

    /** An audit-service API key (any role: every role may read). A secret: never logged. */
    Optional<String> apiKey();

    /** Longest a request to audit-service may take (a shadow evaluation streams up to {@link #maxDecisions()}). */
    @WithDefault("20s")
    Duration timeout();

    /** Most decisions one shadow evaluation reads, newest first; older ones of the day are left out and flagged. */
    @WithDefault("20000")
    int maxDecisions();
}
