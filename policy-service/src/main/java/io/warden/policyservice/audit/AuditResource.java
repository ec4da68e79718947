package io.warden.policyservice.audit;

import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.web.QueryParams;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin audit trail")
@Requires(Role.VIEWER)
public class AuditResource {
    private final Database db;
    private final AuditTrail trail;
    private final PolicyServiceConfig config;

    public AuditResource(Database db, AuditTrail trail, PolicyServiceConfig config) {
        this.db = db;
        this.trail = trail;
        this.config = config;
    }

    @GET
    @Operation(summary = "Changes made through the admin API, newest first; filter by actor, entity and time "
            + "(since inclusive, until exclusive, ISO-8601)")
    public List<AuditEntry> list(@QueryParam("actor") String actor, @QueryParam("entity_type") String entityType,
                                 @QueryParam("entity_id") String entityId, @QueryParam("since") String since,
                                 @QueryParam("until") String until, @QueryParam("limit") String limit) {
        int max = config.api().maxAuditPage();
        AuditQuery query = new AuditQuery(QueryParams.text("actor", actor), QueryParams.text("entity_type", entityType),
                QueryParams.text("entity_id", entityId), QueryParams.instant("since", since),
                QueryParams.instant("until", until), QueryParams.intInRange("limit", limit, 1, max, Math.min(100, max)));
        return db.read(c -> trail.find(c, query));
    }
}
