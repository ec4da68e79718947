package io.warden.policyservice.web;

import io.warden.policyservice.config.PolicyServiceConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a declared body larger than {@code warden.policy.api.max-body-bytes} before anything reads it. A chunked
 * body without a length is bounded by Quarkus' {@code quarkus.http.limits.max-body-size} and, for policy
 * documents, by {@link #check(String, int)}.
 */
public class BodyLimitFilter {
    private final PolicyServiceConfig config;

    public BodyLimitFilter(PolicyServiceConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public void limit(ContainerRequestContext request) {
        if (request.getLength() > config.api().maxBodyBytes()) {
            throw ProblemException.tooLarge(config.api().maxBodyBytes());
        }
    }

    /** The same limit for a body already read as text (UTF-8 bytes counted). */
    public static void check(String body, int max) {
        if (body != null && body.length() > max / 3 && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > max) {
            throw ProblemException.tooLarge(max);
        }
    }
}
