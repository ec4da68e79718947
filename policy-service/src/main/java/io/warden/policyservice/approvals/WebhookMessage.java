package io.warden.policyservice.approvals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The announcement of a new pending approval, as Slack-compatible JSON: {@code text} (the fallback every receiver
 * shows) and {@code blocks}. It names the tool, server, grant, rule and argument keys, never argument values.
 */
public final class WebhookMessage {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookMessage() {
    }

    public static String body(Approval a, Optional<String> consoleBaseUrl) {
        String link = link(a.id(), consoleBaseUrl);
        String keys = a.argumentKeys().isEmpty() ? "none" : String.join(", ", a.argumentKeys());
        String summary = "Approval needed: tool `" + escape(a.tool()) + "` on server `" + escape(a.serverId())
                + "` for grant " + escape(a.grantLabel().isEmpty() ? a.grantId() : a.grantLabel())
                + " (`" + escape(a.grantId()) + "`)";
        String details = "Rule `" + escape(a.rule()) + "` of policy `" + escape(a.policyId()) + "` v"
                + a.policyVersion() + (a.reason().isEmpty() ? "" : ": " + escape(a.reason()))
                + "\nArgument keys: " + escape(keys) + "\nExpires at " + a.expiresAt()
                + (a.approver() == Approver.USER ? " (the agent's user may answer too)" : "");
        String action = consoleBaseUrl.isPresent() ? "<" + link + "|Approve or deny>"
                : "Approve or deny: `POST " + escape(link) + "/approve` or `/deny`";

        ObjectNode root = JSON.createObjectNode();
        root.put("text", summary + "\n" + details + "\n" + action);
        ArrayNode blocks = root.putArray("blocks");
        section(blocks, "*" + summary + "*");
        section(blocks, details);
        section(blocks, action);
        return root.toString();
    }

    /** The console page of the approval, or the admin API's address of it when no console is configured. */
    static String link(String id, Optional<String> consoleBaseUrl) {
        return consoleBaseUrl.map(base -> stripSlash(base) + "/approvals/" + id)
                .orElse("/api/approvals/" + id);
    }

    private static void section(ArrayNode blocks, String markdown) {
        ObjectNode block = blocks.addObject();
        block.put("type", "section");
        block.putObject("text").put("type", "mrkdwn").put("text", markdown);
    }

    /** Slack's three control characters, so a tool or label cannot forge a link or a mention. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String stripSlash(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
