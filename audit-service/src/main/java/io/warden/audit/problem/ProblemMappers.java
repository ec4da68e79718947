package io.warden.audit.problem;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error of the HTTP API as an RFC 9457 problem document; no stack trace or SQL ever reaches the client. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse();
    }

    @ServerExceptionMapper
    public Response database(SQLException e) {
        LOG.warnf("audit query failed: SQLSTATE %s %s", e.getSQLState(), e.getMessage());
        return Problem.databaseUnavailable().toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("audit API error", e);
            return Problem.ofStatus(status, "internal error").toResponse();
        }
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 406 -> "no representation matches the Accept header";
            case 415 -> "unsupported content type";
            default -> Response.Status.fromStatusCode(status) != null
                    ? Response.Status.fromStatusCode(status).getReasonPhrase() : "request refused";
        };
        return Problem.ofStatus(status, detail).toResponse();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("audit API error", e);
        return Problem.ofStatus(500, "internal error").toResponse();
    }
}
