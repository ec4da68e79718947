package io.warden.policyservice.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policyservice.grants.GrantService;
import io.warden.policyservice.grants.GrantView;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.shadow.AuditServiceClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Usage per grant at a glance for the console's Grants page, from audit-service's aggregates: calls in the last 24 h
 * (and how many were refused) and the time of the last recorded decision. The browser may talk only to this origin
 * (the page's Content-Security-Policy), so policy-service asks audit-service for it. Blocking: a worker thread.
 */
@Path("/api/console/grant-usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Console")
public class GrantUsageResource {
    /** The grants page shows at most this many; beyond it, last use is left out (one audit query per grant). */
    static final int MAX_GRANTS = 200;
    private static final Duration DAY = Duration.ofHours(24);

    /** One grant: decisions in the range, those refused (denied, rate-limited, hidden), and the newest decision's time. */
    public record Usage(long calls, long refused, Instant lastUsed) {}

    /** Usage by grant id for [from, to); grants without a decision in the range have {@code calls} 0. */
    public record GrantUsage(Instant from, Instant to, Map<String, Usage> grants) {}

    private final AuditServiceClient audit;
    private final GrantService grants;
    private final Clock clock;

    public GrantUsageResource(AuditServiceClient audit, GrantService grants, Clock clock) {
        this.audit = audit;
        this.grants = grants;
        this.clock = clock;
    }

    @GET
    @Requires(Role.VIEWER)
    @Operation(summary = "Each grant's calls in the last 24 h and its last use, from audit-service (503 when it is not"
            + " configured)")
    public GrantUsage usage() {
        if (!audit.configured()) {
            throw AuditServiceClient.notConfigured("usage per grant");
        }
        Instant to = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant from = to.minus(DAY);
        List<GrantView> all = grants.list(null);
        Map<String, Usage> usage = new LinkedHashMap<>();
        JsonNode top = audit.get("aggregates/grants", Map.of("from", from.toString(), "to", to.toString(),
                "limit", "1000"));
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (JsonNode item : top.path("items")) {
            JsonNode c = item.path("counts");
            long refused = c.path("denied").asLong() + c.path("rate_limited").asLong() + c.path("hidden").asLong()
                    + c.path("approval_denied").asLong() + c.path("approval_expired").asLong();
            counts.put(item.path("grant_id").asText(), new long[] {item.path("total").asLong(), refused});
        }
        for (GrantView g : all.size() > MAX_GRANTS ? all.subList(0, MAX_GRANTS) : all) {
            long[] c = counts.getOrDefault(g.id(), new long[2]);
            JsonNode newest = audit.get("decisions", Map.of("grant", g.id(), "limit", "1")).path("items").path(0);
            Instant last = newest.hasNonNull("time") ? Instant.parse(newest.get("time").asText()) : null;
            usage.put(g.id(), new Usage(c[0], c[1], last));
        }
        return new GrantUsage(from, to, usage);
    }
}
