package io.warden.policyservice.imports;

import io.warden.policyservice.inventory.InventoryRefresher;
import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.web.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Moves a team from standalone to connected mode: their {@code warden.yaml} into the store in one call. */
@Path("/api/import")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Import")
public class ImportResource {
    private final ImportService imports;
    private final CurrentCaller caller;
    private final InventoryRefresher inventory;

    public ImportResource(ImportService imports, CurrentCaller caller, InventoryRefresher inventory) {
        this.imports = imports;
        this.caller = caller;
        this.inventory = inventory;
    }

    @POST
    @ResponseStatus(201)
    @Requires(Role.ADMIN)
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    @Operation(summary = "Import a standalone warden.yaml (servers, grants with their token hashes, policies) in one"
            + " transaction; ids already in the store are a 409 listing them, unless mode=replace")
    public ImportResult load(byte[] body, @QueryParam("mode") String mode) {
        ImportResult result = imports.load(body, mode(mode), caller.get());
        // After the commit, so the inventory fetch sees the servers.
        result.created().getOrDefault("servers", List.of()).forEach(inventory::refreshSoon);
        result.replaced().getOrDefault("servers", List.of()).forEach(inventory::refreshSoon);
        return result;
    }

    private static ImportService.Mode mode(String mode) {
        if (mode == null || mode.equals("create")) {
            return ImportService.Mode.CREATE;
        }
        if (mode.equals("replace")) {
            return ImportService.Mode.REPLACE;
        }
        throw ProblemException.badParameter("mode", "must be create or replace");
    }
}
