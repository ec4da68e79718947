package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.policy.CallContext;
import io.warden.policy.Decision;
import io.warden.policy.Outcome;
import io.warden.policy.Subject;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.Grant;
import io.warden.snapshot.PolicyEntry;
import io.warden.snapshot.UpstreamServer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's side of the policy engine: turns a JSON-RPC request into an engine question, and
 * filters tools/list answers. Pure apart from the injected clock.
 */
public final class PolicyGate {

    /** The rule id of a call refused because the tool's definition is not the approved one. */
    public static final String TOOL_PIN_RULE = "(tool pin)";

    private final ToolCatalog catalog;
    private final Clock clock;

    public PolicyGate(ToolCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * What policy says about one client request, with what the audit record needs. {@code refusal} is set when the gate
     * refused the message's shape before asking the policy ({@link RequestShape}).
     */
    public record Verdict(Decision decision, String tool, JsonNode arguments, PolicyEntry policy, RequestShape.Refusal refusal) {
        public Verdict(Decision decision, String tool, JsonNode arguments, PolicyEntry policy) {
            this(decision, tool, arguments, policy, null);
        }

        public boolean allowed() {
            return decision == null || decision.allowed();
        }
    }

    /**
     * Requests that policy judges: tools/call and every non-lifecycle method. Null means "not a policy
     * question" (lifecycle methods, notifications, responses), forwarded as they are. A message the gate cannot judge
     * (a request method sent as a notification, a governed request with malformed params) is refused first.
     */
    public Verdict judge(JsonRpc.Message m, Grant grant, UpstreamServer server, GatewaySnapshot snapshot) {
        return judge(m, grant, server, snapshot, null);
    }

    /**
     * As above, within the client's MCP session: {@code sessionId} (the gateway-issued {@code Mcp-Session-Id}, or the
     * legacy stream's id; null for a stateless client) keys the policy's {@code session}-scoped limits.
     */
    public Verdict judge(JsonRpc.Message m, Grant grant, UpstreamServer server, GatewaySnapshot snapshot,
                         String sessionId) {
        Verdict refused = refusal(m, grant, snapshot);
        if (refused != null) {
            return refused;
        }
        if (!m.isRequest() || Protocol.LIFECYCLE.contains(m.method()) || "tools/list".equals(m.method())) {
            return null;
        }
        Optional<PolicyEntry> policy = snapshot.policyFor(grant);
        Subject subject = subject(grant, server).withSession(sessionId);
        if ("tools/call".equals(m.method())) {
            String tool = m.target();
            JsonNode args = m.params().get("arguments");
            String unpinned = server.toolPins().refusal(tool, catalog.liveHash(server, tool));
            if (unpinned != null) {
                // Before the policy: a tool that changed is not the tool the policy was written for.
                return new Verdict(new Decision(Outcome.DENY, TOOL_PIN_RULE, unpinned, List.of(), null, List.of()),
                        tool, args, policy.orElse(null));
            }
            if (policy.isEmpty()) {
                return new Verdict(Decision.noPolicy(), tool, args, null);
            }
            Decision d = policy.get().compiled().evaluateCall(
                    new CallContext(subject, tool, args, catalog.lookup(server, tool), clock.instant()));
            return new Verdict(d, tool, args, policy.get());
        }
        if (policy.isEmpty()) {
            return new Verdict(Decision.noPolicy(), null, null, null);
        }
        Decision d = policy.get().compiled().evaluateMethod(m.method(), subject);
        return new Verdict(d, null, null, policy.get());
    }

    /** The denying verdict for a message whose shape the gate refuses ({@link RequestShape}), else null. */
    public Verdict refusal(JsonRpc.Message m, Grant grant, GatewaySnapshot snapshot) {
        RequestShape.Refusal r = RequestShape.check(m);
        if (r == null) {
            return null;
        }
        JsonNode args = m.params() == null ? null : m.params().get("arguments");
        Decision d = new Decision(Outcome.DENY, r.rule(), r.message(), List.of(), null, List.of());
        return new Verdict(d, "tools/call".equals(m.method()) ? m.target() : null, args != null && args.isObject() ? args : null,
                snapshot.policyFor(grant).orElse(null), r);
    }

    /**
     * Removes from a tools/list result every tool this grant may not see. The page keeps its
     * {@code nextCursor}, so filtering never ends paging early; a filtered page is private to the grant.
     * Returns true when the message was changed.
     */
    public boolean filterToolList(ObjectNode response, Grant grant, UpstreamServer server, GatewaySnapshot snapshot) {
        JsonNode result = response.get("result");
        if (result == null || !(result.get("tools") instanceof ArrayNode tools)) {
            return false;
        }
        Optional<PolicyEntry> policy = snapshot.policyFor(grant);
        Subject subject = subject(grant, server);
        boolean changed = false;
        for (int i = tools.size() - 1; i >= 0; i--) {
            JsonNode tool = tools.get(i);
            var info = catalog.learn(server, tool);
            boolean unpinned = server.toolPins().enabled()
                    && server.toolPins().refusal(info.name(), catalog.learnHash(server, tool)) != null;
            // No policy: the grant may call nothing, so it is shown nothing either.
            if (unpinned || policy.isEmpty() || !policy.get().compiled().isListed(info, subject)) {
                tools.remove(i);
                changed = true;
            }
        }
        if (result instanceof ObjectNode r && r.has("cacheScope")) {
            r.put("cacheScope", "private");
            changed = true;
        }
        return changed;
    }

    public static Subject subject(Grant grant, UpstreamServer server) {
        return new Subject(grant.id(), grant.label(), grant.tags(), server.id(), server.name());
    }
}
