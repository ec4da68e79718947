package io.warden.policyservice.console;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Where the console points people: the gateway URL clients connect to and audit-service's dashboard. Both are only
 * shown on the page (client configuration, links); the console never calls them. Documented in docs/console.md and
 * docs/configuration.md.
 */
@ConfigMapping(prefix = "warden.policy.console")
public interface ConsoleConfig {
    /** The gateway's public base URL (e.g. {@code https://mcp.example.com}); MCP clients use {@code <url>/mcp/<server>}. */
    Optional<String> gatewayUrl();

    /** audit-service's dashboard (e.g. {@code https://audit.example.com/dashboard/}); links add {@code ?server=&grant=&tool=}. */
    Optional<String> auditDashboardUrl();
}
