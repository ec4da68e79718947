package io.warden.audit.security;

import io.warden.audit.problem.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code Authorization: Bearer <api key>} on every API resource (health, metrics and the OpenAPI document under
 * {@code /q} are not resources and stay open). Every role may read the audit, so a known key is enough; a missing,
 * malformed or unknown key gets 401 with {@code WWW-Authenticate}. The caller is left in the request as
 * {@link #CALLER}. Pure in-memory work: fine on the event
 * loop.
 */
public class ApiKeyFilter {

    /** Request property holding the authenticated {@link Caller}. */
    public static final String CALLER = "warden.audit.caller";
    private static final String REALM = "Bearer realm=\"warden-audit\"";

    private final ApiKeyStore keys;

    public ApiKeyFilter(ApiKeyStore keys) {
        this.keys = keys;
    }

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            return Optional.of(refuse(REALM, "an API key is required: Authorization: Bearer <key>"));
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() == 7) {
            return Optional.of(refuse(REALM + ", error=\"invalid_request\"",
                    "the Authorization header must be: Bearer <key>"));
        }
        Optional<Caller> caller = keys.authenticate(header.substring(7).strip());
        if (caller.isEmpty()) {
            return Optional.of(refuse(REALM + ", error=\"invalid_token\"", "unknown API key"));
        }
        request.setProperty(CALLER, caller.get());
        return Optional.empty();
    }

    private static Response refuse(String challenge, String detail) {
        return Response.fromResponse(Problem.unauthorized(detail).toResponse())
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge).build();
    }
}
