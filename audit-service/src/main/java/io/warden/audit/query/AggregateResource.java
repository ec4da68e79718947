package io.warden.audit.query;

import io.smallrye.common.annotation.Blocking;
import io.warden.audit.config.AuditConfig;
import io.warden.audit.problem.ProblemException;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Aggregates for dashboards, over the same filters as the listing. Without {@code from}/{@code to} they cover the last
 * 24 hours up to now.
 */
@Path("/api/aggregates")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@Tag(name = "aggregates")
@SecurityRequirement(name = "apiKey")
public class AggregateResource {

    static final Duration DEFAULT_RANGE = Duration.ofHours(24);
    private static final Set<String> TOP_PARAMS = QueryParams.filtersAnd("limit");
    private static final Set<String> BUCKET_PARAMS = QueryParams.filtersAnd("bucket");
    private static final int DEFAULT_TOP = 10;

    public record OutcomeSeries(Instant from, Instant to, long bucketSeconds, List<AggregateQueries.Bucket> buckets,
                                CompletenessQueries.Completeness completeness) {
    }

    public record TopList(Instant from, Instant to, List<AggregateQueries.Count> items) {
    }

    public record GrantList(Instant from, Instant to, List<AggregateQueries.GrantUsage> items) {
    }

    public record Latency(Instant from, Instant to, AggregateQueries.Percentiles gatewayMicros,
                          AggregateQueries.Percentiles upstreamMicros) {
    }

    private final AggregateQueries queries;
    private final CompletenessQueries completeness;
    private final AuditConfig.Api config;
    private final Clock clock = Clock.systemUTC();

    public AggregateResource(AggregateQueries queries, CompletenessQueries completeness, AuditConfig config) {
        this.queries = queries;
        this.completeness = completeness;
        this.config = config.api();
    }

    @GET
    @Path("completeness")
    @Operation(summary = "Whether the record of a time range is complete",
            description = "Per gateway instance: the event numbers seen in the range, how many are missing (gaps in "
                    + "the gap-free per-instance sequence) and how many events the instance reported dropped (its "
                    + "heartbeats). complete is true when no instance shows a gap or a drop. Range defaults to the last "
                    + "24 hours; other filters are not accepted: a range is judged whole.")
    public CompletenessQueries.Completeness completeness(@QueryParam("from") String fromDoc,
                                                         @QueryParam("to") String toDoc,
                                                         @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), Set.of("from", "to"));
        DecisionFilter filter = ranged(params.filter());
        return completeness.over(filter.from(), filter.to());
    }

    @GET
    @Path("outcomes")
    @Operation(summary = "Decisions per outcome per time bucket",
            description = "Buckets start at multiples of the width since the epoch; empty buckets are listed with "
                    + "zeros; every outcome is present in every bucket.")
    public OutcomeSeries outcomes(@BeanParam FilterParams documented,
                                  @QueryParam("bucket") @Parameter(description = "Bucket width: 30s, 5m, 1h, 1d "
                                          + "(default 1h)") String bucketDoc,
                                  @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), BUCKET_PARAMS);
        DecisionFilter filter = ranged(params.filter());
        Duration bucket = params.bucket("bucket", Duration.ofHours(1));
        long buckets = Duration.between(filter.from(), filter.to()).toSeconds() / bucket.toSeconds() + 1;
        if (buckets > config.maxBuckets()) {
            throw ProblemException.badParameter("bucket", "this range at this bucket width gives " + buckets
                    + " buckets; at most " + config.maxBuckets() + ": choose a wider bucket or a shorter range");
        }
        return new OutcomeSeries(filter.from(), filter.to(), bucket.toSeconds(),
                queries.outcomesOverTime(filter, bucket), completeness.over(filter.from(), filter.to()));
    }

    @GET
    @Path("denied-tools")
    @Operation(summary = "The tools denied most often (outcome denied)")
    public TopList deniedTools(@BeanParam FilterParams documented,
                               @QueryParam("limit") @Parameter(description = "How many, default 10") String limitDoc,
                               @Context UriInfo uri) throws SQLException {
        return topDenied(uri, "tool");
    }

    @GET
    @Path("denied-rules")
    @Operation(summary = "The rules that denied most often (outcome denied)")
    public TopList deniedRules(@BeanParam FilterParams documented,
                               @QueryParam("limit") @Parameter(description = "How many, default 10") String limitDoc,
                               @Context UriInfo uri) throws SQLException {
        return topDenied(uri, "rule");
    }

    @GET
    @Path("grants")
    @Operation(summary = "Decisions per grant, most active first, split by outcome")
    public GrantList grants(@BeanParam FilterParams documented,
                            @QueryParam("limit") @Parameter(description = "How many grants, default 10") String limitDoc,
                            @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), TOP_PARAMS);
        DecisionFilter filter = ranged(params.filter());
        int limit = params.limit("limit", DEFAULT_TOP, config.maxLimit());
        return new GrantList(filter.from(), filter.to(), queries.perGrant(filter, limit));
    }

    @GET
    @Path("latency")
    @Operation(summary = "Gateway and upstream latency percentiles in microseconds",
            description = "p50, p90, p95, p99 (nearest rank) and the maximum, over latencies rounded down to two "
                    + "significant digits (exact below 100 µs, at most 10 % low above); upstream latency counts only "
                    + "decisions that reached the upstream.")
    public Latency latency(@BeanParam FilterParams documented, @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), QueryParams.FILTERS);
        DecisionFilter filter = ranged(params.filter());
        Map<String, AggregateQueries.Percentiles> result = queries.latency(filter);
        return new Latency(filter.from(), filter.to(), result.get("gateway_micros"), result.get("upstream_micros"));
    }

    private TopList topDenied(UriInfo uri, String column) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), TOP_PARAMS);
        DecisionFilter filter = ranged(params.filter());
        int limit = params.limit("limit", DEFAULT_TOP, config.maxLimit());
        return new TopList(filter.from(), filter.to(), queries.topDenied(filter, column, limit));
    }

    /** The filter with both ends set: to defaults to now, from to 24 hours before to. */
    private DecisionFilter ranged(DecisionFilter filter) {
        Instant to = filter.to() != null ? filter.to() : clock.instant();
        Instant from = filter.from() != null ? filter.from() : to.minus(DEFAULT_RANGE);
        if (!from.isBefore(to)) {
            throw ProblemException.badParameter("from", "from must be earlier than to (which defaults to now)");
        }
        return filter.withRange(from, to);
    }
}
