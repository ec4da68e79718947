package io.warden.policyservice.servers;

import io.warden.policyservice.inventory.InventoryRefresher;
import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/servers")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Servers")
public class ServerResource {
    private final ServerService servers;
    private final CurrentCaller caller;
    private final InventoryRefresher inventory;

    public ServerResource(ServerService servers, CurrentCaller caller, InventoryRefresher inventory) {
        this.servers = servers;
        this.caller = caller;
        this.inventory = inventory;
    }

    @POST
    @ResponseStatus(201)
    @Requires(Role.ADMIN)
    @Operation(summary = "Register an upstream MCP server; header values are encrypted and never returned")
    public ServerView create(ServerInput input) {
        ServerView created = servers.create(input, caller.get());
        inventory.refreshSoon(created.id()); // after the commit, so the fetch sees the server
        return created;
    }

    @GET
    @Requires(Role.VIEWER)
    public List<ServerView> list() {
        return servers.list();
    }

    @GET
    @Path("/{id}")
    @Requires(Role.VIEWER)
    public ServerView get(@PathParam("id") String id) {
        return servers.get(id);
    }

    @PATCH
    @Path("/{id}")
    @Requires(Role.ADMIN)
    @Operation(summary = "Change a server; absent fields are kept, a header set to null is removed")
    public ServerView update(@PathParam("id") String id, ServerPatch patch) {
        ServerView updated = servers.update(id, patch, caller.get());
        inventory.refreshSoon(id); // the URL, era or headers may have changed what the upstream lists
        return updated;
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @Requires(Role.ADMIN)
    @Operation(summary = "Delete a server that no grant uses")
    public void delete(@PathParam("id") String id) {
        servers.delete(id, caller.get());
    }
}
