package io.warden.policyservice.security;

import io.warden.policyservice.web.ProblemException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Method;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every admin API call: {@code Authorization: Bearer <api key>} → caller (401 when missing or unknown) → the
 * endpoint's {@link Requires} role (403 when the caller's role is lower). Runs on the worker thread of the blocking
 * endpoint, so the key lookup may use JDBC.
 */
public class ApiKeyFilter {
    private static final String BEARER = "Bearer ";

    private final Authenticator authenticator;
    private final CurrentCaller current;

    public ApiKeyFilter(Authenticator authenticator, CurrentCaller current) {
        this.authenticator = authenticator;
        this.current = current;
    }

    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || header.length() == BEARER.length()) {
            throw ProblemException.unauthorized("send an API key as `Authorization: Bearer <key>`");
        }
        Caller caller = authenticator.authenticate(header.substring(BEARER.length()).strip())
                .orElseThrow(() -> ProblemException.unauthorized("unknown or revoked API key"));
        Role needed = needed(method);
        if (!caller.role().includes(needed)) {
            throw ProblemException.forbidden("this needs the " + needed.wire() + " role; the key has "
                    + caller.role().wire());
        }
        current.set(caller);
    }

    private static Role needed(Method method) {
        Requires onMethod = method.getAnnotation(Requires.class);
        if (onMethod != null) {
            return onMethod.value();
        }
        Requires onClass = method.getDeclaringClass().getAnnotation(Requires.class);
        return onClass == null ? Role.ADMIN : onClass.value();
    }
}
