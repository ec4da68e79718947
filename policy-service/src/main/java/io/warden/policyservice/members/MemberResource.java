package io.warden.policyservice.members;

import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/members")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Members (API keys)")
@Requires(Role.ADMIN)
public class MemberResource {
    private final MemberService members;
    private final CurrentCaller caller;

    public MemberResource(MemberService members, CurrentCaller caller) {
        this.members = members;
        this.caller = caller;
    }

    @POST
    @ResponseStatus(201)
    @Operation(summary = "Create an API key; the key is in this answer and never shown again")
    public MintedMember create(MemberInput input) {
        return members.create(input, caller.get());
    }

    @GET
    @Operation(summary = "List members (never keys nor their hashes)")
    public List<MemberView> list() {
        return members.list();
    }

    @GET
    @Path("/{id}")
    public MemberView get(@PathParam("id") String id) {
        return members.get(id);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an API key (the member stays listed, revoked)")
    public MemberView revoke(@PathParam("id") String id) {
        return members.revoke(id, caller.get());
    }
}
