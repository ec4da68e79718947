package io.warden.policyservice.snapshot;

import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.store.Sql;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/gateways")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Gateways")
@Requires(Role.VIEWER)
public class GatewayResource {
    private final Database db;
    private final ChangeLog changes;

    public GatewayResource(Database db, ChangeLog changes) {
        this.db = db;
        this.changes = changes;
    }

    /** One gateway's last acknowledged revision. */
    public record GatewayRevision(String gatewayId, long revision, Instant ackedAt) {
    }

    /** The store's revision and what each gateway said it runs. */
    public record Revisions(long storeRevision, List<GatewayRevision> gateways) {
    }

    @GET
    @Operation(summary = "Which gateway runs which snapshot revision (from their acknowledgements)")
    public Revisions list() {
        return db.read(c -> {
            List<GatewayRevision> gateways = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT gateway_id, revision, acked_at FROM gateway_revisions ORDER BY gateway_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gateways.add(new GatewayRevision(rs.getString(1), rs.getLong(2), Sql.instant(rs, "acked_at")));
                }
            }
            return new Revisions(changes.revision(c), gateways);
        });
    }
}
