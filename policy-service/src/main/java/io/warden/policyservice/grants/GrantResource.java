package io.warden.policyservice.grants;

import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.web.QueryParams;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/grants")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Grants")
public class GrantResource {
    private final GrantService grants;
    private final CurrentCaller caller;

    public GrantResource(GrantService grants, CurrentCaller caller) {
        this.grants = grants;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Requires(Role.ADMIN)
    @Operation(summary = "Mint a grant; its token is in this answer and never shown again")
    public MintedGrant mint(GrantInput input) {
        return grants.mint(input, caller.get());
    }

    @GET
    @Requires(Role.VIEWER)
    @Operation(summary = "List grants (never tokens), optionally of one server")
    public List<GrantView> list(@QueryParam("server") String server) {
        return grants.list(QueryParams.text("server", server));
    }

    @GET
    @Path("/{id}")
    @Requires(Role.VIEWER)
    public GrantView get(@PathParam("id") String id) {
        return grants.get(id);
    }

    @POST
    @Path("/{id}/rotate")
    @Requires(Role.ADMIN)
    @Operation(summary = "Replace the grant's token; the new token is in this answer and never shown again")
    public MintedGrant rotate(@PathParam("id") String id) {
        return grants.rotate(id, caller.get());
    }

    @POST
    @Path("/{id}/revoke")
    @Requires(Role.ADMIN)
    public GrantView revoke(@PathParam("id") String id) {
        return grants.revoke(id, caller.get());
    }

    @PUT
    @Path("/{id}/policy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Attach a policy to the grant ({\"policy\": null} detaches)")
    public GrantView attach(@PathParam("id") String id, PolicyAttachment attachment) {
        return grants.attach(id, attachment, caller.get());
    }
}
