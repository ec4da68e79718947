package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.policy.CallContext;
import io.warden.policy.Decision;
import io.warden.policy.Subject;
import java.time.Clock;
import java.util.Optional;

/**
 * The gateway's side of the policy engine: turns a JSON-RPC request into an engine question, and
 * filters tools/list answers. Pure apart from the injected clock.
 */
public final class PolicyGate {

    private final ToolCatalog catalog;
    private final Clock clock;

    public PolicyGate(ToolCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /** What policy says about one client request, with what the audit record needs. */
    public record Verdict(Decision decision, String tool, JsonNode arguments, PolicyEntry policy) {
        public boolean allowed() {
            return decision == null || decision.allowed();
        }
    }

    /**
     * Requests that policy judges: tools/call and every non-lifecycle method. Null means "not a policy
     * question" (lifecycle methods, notifications, responses), forwarded as they are.
     */
    public Verdict judge(JsonRpc.Message m, Grant grant, UpstreamServer server, GatewaySnapshot snapshot) {
        if (!m.isRequest() || Protocol.LIFECYCLE.contains(m.method()) || "tools/list".equals(m.method())) {
            return null;
        }
        Optional<PolicyEntry> policy = snapshot.policyFor(grant);
        Subject subject = subject(grant, server);
        if ("tools/call".equals(m.method())) {
            String tool = m.target();
            JsonNode args = m.params() == null ? null : m.params().get("arguments");
            if (policy.isEmpty()) {
                return new Verdict(Decision.noPolicy(), tool, args, null);
            }
            if (tool == null) {
                return null; // malformed call: the upstream answers it as it would directly
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
            // No policy: the grant may call nothing, so it is shown nothing either.
            if (policy.isEmpty() || !policy.get().compiled().isListed(info, subject)) {
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
