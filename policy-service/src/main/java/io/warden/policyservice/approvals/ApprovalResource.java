package io.warden.policyservice.approvals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.security.CurrentCaller;
import io.warden.policyservice.security.Requires;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.ProblemException;
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
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operators' side of approvals: anyone with a key sees what waits (tool, grant, argument keys); approvers
 * (policy_manager, admin) also see argument values while an approval is pending, and decide.
 */
@Path("/api/approvals")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Approvals")
public class ApprovalResource {
    private static final int MAX_COMMENT = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApprovalManager approvals;
    private final CurrentCaller caller;

    public ApprovalResource(ApprovalManager approvals, CurrentCaller caller) {
        this.approvals = approvals;
        this.caller = caller;
    }

    @GET
    @Requires(Role.VIEWER)
    @Operation(summary = "List approvals, newest first; argument values only for policy_manager and admin")
    public List<ApprovalView> list(
            @Parameter(description = "pending, approved, denied, expired or used") @QueryParam("state") String state,
            @QueryParam("grant") String grant, @QueryParam("limit") String limit) {
        ApprovalState wanted = null;
        if (state != null) {
            wanted = ApprovalState.fromWire(state);
            if (wanted == null) {
                throw ProblemException.badParameter("state", "one of " + ApprovalState.spellings());
            }
        }
        List<Approval> rows = approvals.list(wanted, QueryParams.text("grant", grant),
                QueryParams.intInRange("limit", limit, 1, 1000, 100));
        Caller who = caller.get();
        return rows.stream().map(a -> view(a, who)).toList();
    }

    @GET
    @Path("/{id}")
    @Requires(Role.VIEWER)
    @Operation(summary = "One approval; argument values only for policy_manager and admin, while pending")
    public ApprovalView get(@PathParam("id") String id) {
        return view(approvals.get(id).orElseThrow(() -> notFound(id)), caller.get());
    }

    @POST
    @Path("/{id}/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Approve a pending approval: exactly that call may then run, once, before it expires")
    @APIResponse(responseCode = "409", description = "Not pending (already decided, used or expired)")
    public ApprovalView approve(@PathParam("id") String id, DecisionInput input) {
        return decide(id, true, input);
    }

    @POST
    @Path("/{id}/deny")
    @Consumes(MediaType.APPLICATION_JSON)
    @Requires(Role.POLICY_MANAGER)
    @Operation(summary = "Deny a pending approval; the comment reaches the agent with the denial")
    @APIResponse(responseCode = "409", description = "Not pending (already decided, used or expired)")
    public ApprovalView deny(@PathParam("id") String id, DecisionInput input) {
        return decide(id, false, input);
    }

    private ApprovalView decide(String id, boolean approve, DecisionInput input) {
        String comment = input == null ? null : input.comment();
        if (comment != null) {
            new Checks().require(comment.length() <= MAX_COMMENT, "/comment",
                    "must be at most " + MAX_COMMENT + " characters").orThrow();
        }
        Caller who = caller.get();
        ApprovalManager.Decision d = approvals.decide(id, approve, comment, who);
        if (d.decided()) {
            return view(d.approval().orElseThrow(), who);
        }
        if (d.refusal() == ApprovalManager.Refusal.NOT_FOUND) {
            throw notFound(id);
        }
        throw ProblemException.conflict("approval '" + id + "' is " + d.approval().orElseThrow().state().wire()
                + ", not pending");
    }

    private ApprovalView view(Approval a, Caller who) {
        JsonNode arguments = null;
        if (who.role().includes(Role.POLICY_MANAGER)) {
            arguments = approvals.arguments(a).map(ApprovalResource::parse).orElse(null);
        }
        return ApprovalView.of(a, arguments);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored approval arguments unreadable", e);
        }
    }

    private static ProblemException notFound(String id) {
        return ProblemException.notFound("approval", id.length() > 64 ? id.substring(0, 64) + "…" : id);
    }
}
