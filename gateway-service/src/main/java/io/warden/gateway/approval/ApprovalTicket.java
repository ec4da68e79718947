package io.warden.gateway.approval;

/**
 * What Warden's sealed {@code requestState} carries from the answer that asked for approval to the client's retry: the
 * call it belongs to (grant, server, tool, argument digest), the approval it waits for, when it stops being accepted,
 * a nonce that makes every state unique, and the upstream's own {@code requestState} when Warden nested one.
 *
 * @param upstreamState     the upstream's {@code requestState} to hand back on the retry, or null
 * @param upstreamResponses the {@code inputResponses} the client had sent for the upstream (a JSON object), or null:
 *                          the client's retry carries only the answers of the latest round, so Warden keeps these
 */
public record ApprovalTicket(String grantId, String serverId, String tool, String argumentDigest, String approvalId,
                             long expiresAtMillis, String nonce, String upstreamState, String upstreamResponses) {
}
