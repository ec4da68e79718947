package io.warden.audit.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.audit.config.AuditConfig;
import io.warden.audit.problem.Problem;
import io.warden.audit.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/** Decision history: a filtered page newest first, one decision, and exports. Blocking JDBC: on worker threads. */
@Path("/api/decisions")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@Tag(name = "decisions")
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An API key of role viewer, policy_manager or admin")
@SecurityRequirement(name = "apiKey")
public class DecisionResource {

    private static final Logger LOG = Logger.getLogger(DecisionResource.class);
    private static final Set<String> LIST_PARAMS = QueryParams.filtersAnd("limit", "cursor");
    private static final Set<String> EXPORT_PARAMS = QueryParams.filtersAnd("format");
    static final String JSON_LINES = "application/x-ndjson";
    static final String CSV = "text/csv";

    /**
     * A page of decisions; {@code next_cursor} is null on the last page. The first page (no cursor) also says whether the
     * record of its range (from/to, else the last 24 hours) is complete; later pages leave it null.
     */
    public record DecisionPage(List<RawJson> items, String nextCursor, CompletenessQueries.Completeness completeness) {
    }

    private final DecisionQueries queries;
    private final AuditConfig.Api config;
    private final ObjectMapper mapper;

    private final CompletenessQueries completeness;

    public DecisionResource(DecisionQueries queries, CompletenessQueries completeness, AuditConfig config,
                            ObjectMapper mapper) {
        this.completeness = completeness;
        this.queries = queries;
        this.config = config.api();
        this.mapper = mapper;
    }

    @GET
    @Operation(summary = "Decisions, newest first",
            description = "Each item is a stored DecisionEvent (warden-api's decision-event.schema.json). Pass "
                    + "next_cursor as cursor for the next page; a walk never repeats or skips a decision, even while "
                    + "new ones arrive.")
    public DecisionPage list(@BeanParam FilterParams documented,
                             @QueryParam("limit") @Parameter(description = "Page size, 1 to the configured maximum (1000)")
                             String limitDoc,
                             @QueryParam("cursor") @Parameter(description = "next_cursor of the previous page")
                             String cursorDoc,
                             @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), LIST_PARAMS);
        DecisionFilter filter = params.filter();
        int limit = params.limit("limit", config.defaultLimit(), config.maxLimit());
        String token = params.text("cursor");
        Cursor after = token == null ? null : Cursor.decode(token);
        DecisionQueries.Page page = queries.page(filter, after, limit);
        CompletenessQueries.Completeness whole = null;
        if (after == null) {
            Instant to = filter.to() != null ? filter.to() : Instant.now();
            whole = completeness.over(filter.from() != null ? filter.from() : to.minus(AggregateResource.DEFAULT_RANGE), to);
        }
        return new DecisionPage(page.items(), page.next() == null ? null : page.next().encode(), whole);
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One decision by its id")
    public RawJson get(@PathParam("id") @Parameter(description = "The decision id (a UUID)") String id,
                       @Context UriInfo uri) throws SQLException {
        new QueryParams(uri.getQueryParameters(), Set.of()); // takes none: a stray one is a mistake worth naming
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badParameter("id", "id must be a UUID");
        }
        return queries.byId(uuid).orElseThrow(() -> new ProblemException(Problem.notFound("no decision " + uuid)));
    }

    @GET
    @Path("export")
    @Produces({JSON_LINES, CSV})
    @Operation(summary = "Every matching decision, streamed, newest first",
            description = "format=jsonl (default): one stored event per line. format=csv: a header row, then one row "
                    + "per decision; lists joined with ';'.")
    public Response export(@BeanParam FilterParams documented,
                           @QueryParam("format") @Parameter(description = "jsonl (default) or csv") String formatDoc,
                           @Context UriInfo uri) throws SQLException {
        QueryParams params = new QueryParams(uri.getQueryParameters(), EXPORT_PARAMS);
        DecisionFilter filter = params.filter();
        boolean csv = params.choice("format", "jsonl", Set.of("jsonl", "csv")).equals("csv");
        DecisionQueries.Rows rows = queries.open(filter); // a database error is still a 503 problem here
        StreamingOutput body = output -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(output, StandardCharsets.UTF_8), 64 * 1024);
            try (rows) {
                if (csv) {
                    writer.write(Csv.header());
                }
                for (String json; (json = rows.next()) != null; ) {
                    writer.write(csv ? Csv.row(mapper.readTree(json)) : json + "\n");
                }
                writer.flush();
            } catch (SQLException e) {
                // the status is sent already: the client sees a truncated body
                LOG.warnf("export cut short: SQLSTATE %s", e.getSQLState());
                throw new IOException("export cut short", e);
            }
        };
        return Response.ok(body, csv ? CSV + "; charset=utf-8" : JSON_LINES)
                .header("Content-Disposition", "attachment; filename=\"decisions." + (csv ? "csv" : "jsonl") + "\"")
                .build();
    }
}
