package io.warden.audit.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem document. {@code parameter} is this API's extension member naming the query or path parameter at
 * fault, so that a client can point at the field it got wrong.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String parameter) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem badParameter(String parameter, String detail) {
        return new Problem("urn:warden:problem:bad-parameter", "Bad query parameter", 400, detail, parameter);
    }

    public static Problem unauthorized(String detail) {
        return new Problem("urn:warden:problem:unauthorized", "Unauthorized", 401, detail, null);
    }

    public static Problem notFound(String detail) {
        return new Problem("urn:warden:problem:not-found", "Not found", 404, detail, null);
    }

    public static Problem databaseUnavailable() {
        return new Problem("urn:warden:problem:database-unavailable", "Database unavailable", 503,
                "the audit database did not answer; try again shortly", null);
    }

    /** A problem for any other HTTP status, titled with its reason phrase. */
    public static Problem ofStatus(int status, String detail) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return new Problem("about:blank", known != null ? known.getReasonPhrase() : "HTTP " + status, status, detail,
                null);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
