package io.warden.policyservice.policies;

import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.web.QueryParams;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * Policy documents are sent as the request body itself (the policy JSON, exactly as it would sit in a file), so
 * the engine sees the text as submitted and its messages apply unchanged.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Policies")
public class PolicyResource {
    private final PolicyService policies;
    private final CurrentCaller caller;

    public PolicyResource(PolicyService policies, CurrentCaller caller) {
        this.policies = policies;
        this.caller = caller;
    }

    @POST
    @Path("/policy-validation")
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.VIEWER)
    @Operation(summary = "Validate a policy document without saving: every problem with its JSON pointer")
    public PolicyViews.Validation validate(@RequestBody(description = "a policy document") String document) {
        return policies.validate(document);
    }

    @GET
    @Path("/policies")
    @Requires(Role.VIEWER)
    public List<PolicyViews.Summary> list() {
        return policies.list();
    }

    @POST
    @Path("/policies/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Create a policy; the body is its first version, which must compile")
    public PolicyViews.Version create(@PathParam("name") String name,
                                      @RequestBody(description = "a policy document") String document) {
        return policies.create(name, document, caller.get());
    }

    @GET
    @Path("/policies/{name}")
    @Requires(Role.VIEWER)
    @Operation(summary = "The current version of a policy, with its document")
    public PolicyViews.Version current(@PathParam("name") String name) {
        return policies.current(name);
    }

    @POST
    @Path("/policies/{name}/versions")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Save a new version (it becomes current); it must compile")
    public PolicyViews.Version addVersion(@PathParam("name") String name,
                                          @RequestBody(description = "a policy document") String document) {
        return policies.addVersion(name, document, caller.get());
    }

    @GET
    @Path("/policies/{name}/versions")
    @Requires(Role.VIEWER)
    public List<PolicyViews.VersionInfo> versions(@PathParam("name") String name) {
        return policies.versions(name);
    }

    @GET
    @Path("/policies/{name}/versions/{version}")
    @Requires(Role.VIEWER)
    public PolicyViews.Version version(@PathParam("name") String name, @PathParam("version") String version) {
        return policies.version(name, QueryParams.positive("version", version));
    }

    @GET
    @Path("/policies/{name}/diff")
    @Requires(Role.VIEWER)
    @Operation(summary = "JSON-pointer changes from one version to another")
    public PolicyViews.Diff diff(@PathParam("name") String name, @QueryParam("from") String from,
                                 @QueryParam("to") String to) {
        return policies.diff(name, QueryParams.positive("from", from), QueryParams.positive("to", to));
    }

    @POST
    @Path("/policies/{name}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Make an older version's document current again, as a new version")
    public PolicyViews.Version rollback(@PathParam("name") String name, PolicyViews.Rollback request) {
        return policies.rollback(name, request, caller.get());
    }
}
