package io.warden.policy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policy.CallContext;
import io.warden.policy.CompiledPolicy;
import io.warden.policy.Decision;
import io.warden.policy.Outcome;
import io.warden.policy.Subject;
import io.warden.policy.ToolInfo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Policy tests as code: a list of calls with the decision each must get.
 *
 * <pre>
 * - name: large refunds are refused          # optional
 *   tool: create_refund
 *   arguments: {amount: 20000, reason: duplicate}
 *   grant: {id: g-1, label: support-bot, tags: {team: support}}   # optional
 *   server: {id: billing, name: Billing}                          # optional
 *   session: conversation-1                                       # optional: the MCP session (session-scoped limits)
 *   time: "2026-03-02T09:30:00Z"                                  # optional, default: now
 *   tool_info: {description: "...", annotations: {readOnlyHint: true}, category: financial}  # optional
 *   expect: {outcome: deny, rule: /tools/create_refund/deny_if/0, message: "..."}  # rule, message optional
 * </pre>
 */
public final class PolicyCases {
    private static final Subject DEFAULT_SUBJECT = new Subject("test-grant", "test", Map.of(), "test-server",
            "test");

    private PolicyCases() {
    }

    /** The verdict on one case. */
    public record Result(int index, String name, boolean passed, String detail) {
    }

    /** Runs every case of {@code cases} (a JSON array) against {@code policy}. */
    public static List<Result> run(CompiledPolicy policy, JsonNode cases) {
        List<Result> results = new ArrayList<>();
        if (cases == null || !cases.isArray()) {
            results.add(new Result(0, "(cases)", false, "expected a list of cases"));
            return results;
        }
        for (int i = 0; i < cases.size(); i++) {
            results.add(runOne(policy, i, cases.get(i)));
        }
        return results;
    }

    private static Result runOne(CompiledPolicy policy, int index, JsonNode c) {
        String name = c.path("name").asText("");
        if (name.isEmpty()) {
            name = c.path("tool").asText("?") + " #" + index;
        }
        try {
            if (!c.path("tool").isTextual()) {
                return new Result(index, name, false, "missing \"tool\"");
            }
            JsonNode expect = c.path("expect");
            Outcome expectedOutcome = outcome(expect.path("outcome").asText(""));
            if (expectedOutcome == null) {
                return new Result(index, name, false,
                        "expect.outcome must be allow, deny, hidden or approval_required");
            }
            Instant now = c.hasNonNull("time") ? Instant.parse(c.get("time").asText()) : Instant.now();
            String tool = c.get("tool").asText();
            JsonNode info = c.path("tool_info");
            ToolInfo toolInfo = info.isObject()
                    ? new ToolInfo(tool, info.path("description").isTextual() ? info.get("description").asText() : null,
                        info.get("annotations"), info.path("category").isTextual() ? info.get("category").asText() : null)
                    : null;
            Decision d = policy.evaluateCall(new CallContext(subject(c), tool, c.get("arguments"), toolInfo, now));
            List<String> mismatches = new ArrayList<>();
            if (d.outcome() != expectedOutcome) {
                mismatches.add("outcome " + d.outcome().name().toLowerCase(Locale.ROOT) + ", expected "
                        + expectedOutcome.name().toLowerCase(Locale.ROOT));
            }
            if (expect.has("rule") && !expect.get("rule").asText().equals(d.rule())) {
                mismatches.add("rule \"" + d.rule() + "\", expected \"" + expect.get("rule").asText() + "\"");
            }
            if (expect.has("message") && !expect.get("message").asText().equals(d.message())) {
                mismatches.add("message \"" + d.message() + "\", expected \"" + expect.get("message").asText() + "\"");
            }
            if (mismatches.isEmpty()) {
                return new Result(index, name, true, d.outcome().name().toLowerCase(Locale.ROOT)
                        + (d.rule().isEmpty() ? "" : " " + d.rule()));
            }
            return new Result(index, name, false, String.join("; ", mismatches)
                    + (d.message().isEmpty() ? "" : " (message: " + d.message() + ")"));
        } catch (DateTimeParseException e) {
            return new Result(index, name, false, "time must be an ISO-8601 instant such as 2026-03-02T09:30:00Z");
        }
    }

    private static Outcome outcome(String text) {
        try {
            return text.isEmpty() ? null : Outcome.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Subject subject(JsonNode c) {
        String session = c.path("session").isTextual() ? c.get("session").asText() : null;
        return grantAndServer(c).withSession(session);
    }

    private static Subject grantAndServer(JsonNode c) {
        JsonNode grant = c.path("grant");
        JsonNode server = c.path("server");
        if (!grant.isObject() && !server.isObject()) {
            return DEFAULT_SUBJECT;
        }
        Map<String, String> tags = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = grant.path("tags").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            tags.put(f.getKey(), f.getValue().asText());
        }
        return new Subject(grant.path("id").asText(DEFAULT_SUBJECT.grantId()),
                grant.path("label").isTextual() ? grant.get("label").asText() : null, tags,
                server.path("id").asText(DEFAULT_SUBJECT.serverId()),
                server.path("name").isTextual() ? server.get("name").asText() : null);
    }
}
