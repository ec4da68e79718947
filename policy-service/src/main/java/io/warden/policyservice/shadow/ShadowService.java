package io.warden.policyservice.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.ToolInfo;
import io.warden.policyservice.grants.GrantService;
import io.warden.policyservice.grants.GrantView;
import io.warden.policyservice.inventory.InventoryService;
import io.warden.policyservice.inventory.InventoryViews;
import io.warden.policyservice.servers.ServerService;
import io.warden.policyservice.servers.ServerView;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.FieldError;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "What would this policy have done": the last day of a server's (or one grant's) recorded decisions, read from
 * audit-service and replayed through a draft policy. Nothing is saved and nothing reaches a gateway.
 */
@ApplicationScoped
public class ShadowService {
    static final Duration RANGE = Duration.ofHours(24);

    private final AuditServiceClient audit;
    private final AuditServiceConfig config;
    private final ServerService servers;
    private final GrantService grants;
    private final InventoryService inventory;
    private final Clock clock;

    public ShadowService(AuditServiceClient audit, AuditServiceConfig config, ServerService servers, GrantService grants,
                         InventoryService inventory, Clock clock) {
        this.audit = audit;
        this.config = config;
        this.servers = servers;
        this.grants = grants;
        this.inventory = inventory;
        this.clock = clock;
    }

    /** The request: a server, optionally one of its grants, and the draft policy document. */
    public record Request(String server, String grant, JsonNode policy) {}

    public ShadowReport evaluate(Request request) {
        Checks checks = new Checks();
        if (request == null) {
            throw ProblemException.malformed("a JSON object with server, policy and optionally grant", List.of());
        }
        checks.id(request.server(), "/server");
        if (request.grant() != null) {
            checks.id(request.grant(), "/grant");
        }
        checks.require(request.policy() != null && request.policy().isObject(), "/policy", "a policy document (object)");
        checks.orThrow();
        ServerView server = servers.get(request.server());
        Map<String, GrantView> grantsById = new HashMap<>();
        for (GrantView g : grants.list(server.id())) {
            grantsById.put(g.id(), g);
        }
        if (request.grant() != null && !grantsById.containsKey(request.grant())) {
            throw ProblemException.invalid(List.of(new FieldError("/grant",
                    "no grant '" + request.grant() + "' on server '" + server.id() + "'")));
        }
        CompileResult compiled = PolicyCompiler.compile(request.policy());
        if (!compiled.ok()) {
            throw ProblemException.policyInvalid(compiled.problems().stream()
                    .map(p -> new FieldError("/policy" + p.pointer(), p.message())).toList());
        }
        if (!audit.configured()) {
            throw AuditServiceClient.notConfigured("shadow evaluation");
        }

        Map<String, ToolInfo> tools = new HashMap<>();
        for (InventoryViews.Tool t : inventory.tools(server.id()).tools()) {
            tools.put(t.name(), new ToolInfo(t.name(), t.description(), t.annotations(), null,
                    ToolInfo.argumentNames(t.inputSchema())));
        }

        Instant to = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant from = to.minus(RANGE);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("server", server.id());
        query.put("grant", request.grant());
        query.put("from", from.toString());
        query.put("to", to.toString());
        AuditServiceClient.Page page = audit.decisions(query, config.maxDecisions());
        List<Recorded> chronological = new ArrayList<>(page.items().size());
        int unreadable = 0;
        for (JsonNode item : page.items()) {
            Recorded r = Recorded.of(item);
            if (r == null) {
                unreadable++;
            } else {
                chronological.add(r);
            }
        }
        Collections.reverse(chronological); // the export is newest first; limits replay in time order
        ShadowEvaluator.Tally tally = new ShadowEvaluator(compiled.policy(), request.policy(), server.id(),
                server.name(), grantsById, tools).replay(chronological);

        List<String> notes = new ArrayList<>();
        if (page.truncated()) {
            notes.add("Only the newest " + config.maxDecisions() + " decisions of the range were replayed"
                    + " (warden.policy.audit-service.max-decisions).");
        }
        if (unreadable > 0) {
            notes.add(unreadable + " stored decisions lacked a time, method or known outcome and were skipped.");
        }
        notes.add("Limits are replayed from full buckets at the first call of the range.");
        if (request.grant() == null) {
            notes.add("Every grant of the server is replayed as if this policy were attached to it.");
        }
        return new ShadowReport(server.id(), request.grant(), from, to, page.items().size(), tally.evaluated,
                tally.skipped + unreadable, page.truncated(), tally.unchanged, tally.changed, tally.cannotTell,
                tally.before, tally.after, tally.changeList(), tally.cannotTellExamples, notes);
    }
}
