package io.warden.audit.query;

import jakarta.ws.rs.QueryParam;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The filter parameters as the OpenAPI document describes them. Values are read strictly from the query string by
 * {@link QueryParams} (unknown or repeated names refused), not from these fields.
 */
public class FilterParams {

    @QueryParam("from")
    @Parameter(description = "Earliest decision time, inclusive: ISO-8601 with an offset, e.g. 2026-12-03T08:00:00Z")
    public String from;

    @QueryParam("to")
    @Parameter(description = "Latest decision time, exclusive: ISO-8601 with an offset")
    public String to;

    @QueryParam("server")
    @Parameter(description = "Upstream server id")
    public String server;

    @QueryParam("grant")
    @Parameter(description = "Grant id")
    public String grant;

    @QueryParam("tool")
    @Parameter(description = "Tool name")
    public String tool;

    @QueryParam("outcome")
    @Parameter(description = "Outcome (allowed, denied, hidden, rate_limited, approval_required, approval_granted, "
            + "approval_denied, approval_expired, unauthenticated, upstream_error, gateway_error); repeat to match any of several")
    public List<String> outcome;

    @QueryParam("rule")
    @Parameter(description = "The deciding rule, exactly as recorded, e.g. /tools/delete_file or (default deny)")
    public String rule;

    @QueryParam("policy_id")
    @Parameter(description = "Policy id")
    public String policyId;

    @QueryParam("policy_version")
    @Parameter(description = "Policy version")
    public String policyVersion;

    @QueryParam("q")
    @Parameter(description = "Text anywhere in the message given to the agent, case-insensitive")
    public String q;
}
