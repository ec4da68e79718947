package io.warden.policyservice.console;

import io.warden.policyservice.security.Caller;
import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * What the console asks once after sign-in: who the key belongs to and its role (so the page can disable what the role
 * may not do before the API refuses it), and the configured links. Read-only; any role.
 */
@Path("/api/console/session")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Console")
public class ConsoleResource {
    /** The signed-in caller and the console's settings; {@code null} URLs are not configured. */
    public record Session(String id, String label, Role role, String gatewayUrl, String auditDashboardUrl) {}

    private final CurrentCaller caller;
    private final ConsoleConfig config;

    public ConsoleResource(CurrentCaller caller, ConsoleConfig config) {
        this.caller = caller;
        this.config = config;
    }

    @GET
    @Requires(Role.VIEWER)
    @Operation(summary = "The API key's member and role, and the console's configured gateway and audit dashboard URLs")
    public Session session() {
        Caller c = caller.get();
        return new Session(c.id(), c.label(), c.role(), config.gatewayUrl().orElse(null),
                config.auditDashboardUrl().orElse(null));
    }
}
