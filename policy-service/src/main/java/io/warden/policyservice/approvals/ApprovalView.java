package io.warden.policyservice.approvals;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * An approval as the admin API shows it. {@code arguments} (the call's argument values) is present only for
 * approvers (policy_manager, admin) and only while the approval is pending; everyone sees the argument keys.
 */
public record ApprovalView(String id, ApprovalState state, String grantId, String grantLabel, String server,
                           String tool, String argumentDigest, List<String> argumentKeys,
                           @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode arguments, String policyId,
                           int policyVersion, String rule, String reason, Approver approver, Instant requestedAt,
                           Instant expiresAt, String decidedBy, Instant decidedAt, String comment, Instant usedAt,
                           String requestId, String gatewayId) {

    public static ApprovalView of(Approval a, JsonNode arguments) {
        return new ApprovalView(a.id(), a.state(), a.grantId(), a.grantLabel(), a.serverId(), a.tool(),
                a.argumentDigest(), a.argumentKeys(), arguments, a.policyId(), a.policyVersion(), a.rule(),
                a.reason(), a.approver(), a.requestedAt(), a.expiresAt(), a.decidedBy(), a.decidedAt(), a.comment(),
                a.usedAt(), a.requestId(), a.gatewayId());
    }
}
