package io.warden.policyservice.config;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI description's header: every endpoint takes an API key as a bearer token. */
@OpenAPIDefinition(
        info = @Info(title = "Warden policy-service admin API", version = "1",
                description = "Servers, grants, policies, members and the admin audit trail. Errors are RFC 9457"
                        + " problem documents (application/problem+json)."),
        security = @SecurityRequirement(name = "apiKey"),
        components = @Components(securitySchemes = @SecurityScheme(securitySchemeName = "apiKey",
                type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "An API key (a member's, or the bootstrap admin key) as `Authorization: Bearer <key>`")))
public class AdminApiDefinition extends Application {
}
