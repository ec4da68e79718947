package io.warden.policyservice.approvals;

import java.time.Instant;
import java.util.List;

/**
 * One stored approval. {@code argumentsSealed} is the call's arguments encrypted under the context
 * {@link #sealContext(String)}; null once decided or expired, or when they were too large to keep.
 */
public record Approval(String id, String grantId, String grantLabel, String serverId, String tool,
                       String argumentDigest, List<String> argumentKeys, String argumentsSealed, String policyId,
                       int policyVersion, String rule, String reason, Approver approver, Instant requestedAt,
                       Instant expiresAt, ApprovalState state, String decidedBy, Instant decidedAt, String comment,
                       Instant usedAt, String requestId, String gatewayId) {

    /** Associated data binding sealed arguments to their approval, so a ciphertext moved to another row fails. */
    public static String sealContext(String id) {
        return "approval:" + id;
    }

    public boolean sameCall(String grant, String server, String toolName, String digest) {
        return grantId.equals(grant) && serverId.equals(server) && tool.equals(toolName)
                && argumentDigest.equals(digest);
    }

    public io.warden.api.approval.v1.Approval proto() {
        var b = io.warden.api.approval.v1.Approval.newBuilder().setId(id).setState(state.proto()).setGrantId(grantId)
                .setGrantLabel(grantLabel).setServer(serverId).setTool(tool).setArgumentDigest(argumentDigest)
                .addAllArgumentKeys(argumentKeys).setPolicyId(policyId).setPolicyVersion(policyVersion).setRule(rule)
                .setReason(reason).setApprover(approver.proto()).setRequestedAtMillis(requestedAt.toEpochMilli())
                .setExpiresAtMillis(expiresAt.toEpochMilli());
        if (decidedBy != null) {
            b.setDecidedBy(decidedBy);
        }
        if (decidedAt != null) {
            b.setDecidedAtMillis(decidedAt.toEpochMilli());
        }
        if (comment != null) {
            b.setComment(comment);
        }
        return b.build();
    }
}
