package io.warden.gateway.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.Approver;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.mcp.JsonRpc;
import java.util.List;

/**
 * Warden's approval form and how an answer to it reads. The form names the tool, the rule's reason and the argument
 * names, never their values (they may be secrets, and form mode must not carry any), and holds one boolean.
 */
final class ApprovalTexts {

    static final String FIELD = "approve";

    private ApprovalTexts() {}

    /** The params of Warden's {@code elicitation/create}; {@code modern} adds the explicit form mode. */
    static ObjectNode form(ApprovalCall call, Approval a, boolean modern) {
        ObjectNode p = JsonRpc.NODES.objectNode();
        if (modern) {
            p.put("mode", "form");
        }
        List<String> keys = ArgumentDigest.keys(call.arguments());
        String who = a.getApprover() == Approver.USER ? "" : " An operator must approve it too.";
        p.put("message", plain("Approve the call to " + call.tool()
                + (keys.isEmpty() ? " (no arguments)" : " (arguments: " + String.join(", ", keys) + ")") + "? Reason: "
                + a.getReason() + " Approval id " + a.getId() + "." + who));
        ObjectNode schema = p.putObject("requestedSchema");
        schema.put("type", "object");
        ObjectNode field = schema.putObject("properties").putObject(FIELD);
        field.put("type", "boolean");
        field.put("title", "Approve this call?");
        field.put("description", "Yes lets this one call run once; no refuses it.");
        schema.putArray("required").add(FIELD);
        return p;
    }

    /** Plain text for a prompt: no control characters, bounded. */
    static String plain(String s) {
        String t = s.replaceAll("\\p{Cntrl}", " ");
        return t.length() > 1000 ? t.substring(0, 1000) + "..." : t;
    }

    /** True only for {@code action: "accept"} with {@code approve: true}; anything else (decline, cancel, junk) refuses. */
    static boolean accepted(JsonNode elicitResult) {
        return elicitResult != null && "accept".equals(elicitResult.path("action").asText(null))
                && elicitResult.path("content").path(FIELD).isBoolean()
                && elicitResult.path("content").path(FIELD).booleanValue();
    }
}
