package io.warden.policyservice.shadow;

import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Shadow evaluation of a draft policy against the last 24 hours of recorded decisions. Read-only (nothing is saved),
 * so any role may ask; blocking (audit-service over HTTP), so it runs on a worker thread.
 */
@Path("/api/shadow-evaluations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Shadow evaluation")
public class ShadowResource {
    private final ShadowService shadow;

    public ShadowResource(ShadowService shadow) {
        this.shadow = shadow;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.VIEWER)
    @Operation(summary = "What a draft policy would have done with the last 24 h of a server's (or grant's) decisions,"
            + " read from audit-service: counts and examples of changed outcomes; calls whose rules read argument"
            + " values are reported as cannot_tell")
    public ShadowReport evaluate(ShadowService.Request request) {
        return shadow.evaluate(request);
    }
}
