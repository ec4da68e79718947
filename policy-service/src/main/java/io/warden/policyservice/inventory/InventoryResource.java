package io.warden.policyservice.inventory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The tool inventory of each server. Blocking methods: Quarkus runs them on worker threads. */
@Path("/api/servers/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Tool inventory")
public class InventoryResource {
    private final InventoryService inventory;
    private final CurrentCaller caller;

    public InventoryResource(InventoryService inventory, CurrentCaller caller) {
        this.inventory = inventory;
        this.caller = caller;
    }

    @GET
    @Path("/tools")
    @Requires(Role.VIEWER)
    @Operation(summary = "The server's tools with category, risk, reasons and recommended rule; changed ones flagged")
    public InventoryViews.Inventory tools(@PathParam("id") String id) {
        return inventory.tools(id);
    }

    @POST
    @Path("/tools/refresh")
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Fetch the server's tools now; an unreachable upstream is reported in the answer")
    public InventoryViews.Refresh refresh(@PathParam("id") String id) {
        return inventory.refresh(id, caller.get());
    }

    @POST
    @Path("/tools/{name}/approve")
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Accept a changed tool's current definition")
    public InventoryViews.Tool approve(@PathParam("id") String id, @PathParam("name") String name) {
        return inventory.approve(id, name, caller.get());
    }

    @PUT
    @Path("/tools/pinning")
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Hide changed tools until approved: when enabled, gateways drop from tools/list and refuse"
            + " tools/call every tool of this server whose definition is not the approved one")
    public InventoryViews.Pinning pinning(@PathParam("id") String id, InventoryViews.Pinning request) {
        return inventory.setPinning(id, request, caller.get());
    }

    @GET
    @Path("/recommended-policy")
    @Requires(Role.VIEWER)
    @Operation(summary = "A policy document for the server's tools by risk, to save with the policies API")
    public ObjectNode recommendedPolicy(@PathParam("id") String id) {
        return inventory.recommendedPolicy(id);
    }

    @POST
    @Path("/test")
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Test connection: reachability, era and tool count, as a result (200 also when unreachable)")
    public InventoryViews.ConnectionTest test(@PathParam("id") String id) {
        return inventory.test(id);
    }
}
