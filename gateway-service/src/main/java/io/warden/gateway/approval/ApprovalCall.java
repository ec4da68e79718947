package io.warden.gateway.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.api.DecisionEvent;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.policy.ApprovalRequirement;

/**
 * One {@code tools/call} that policy holds for approval, as the proxy lends it to {@link ApprovalFlow}: what the call
 * is, and the few things the flow may do with it. Every method is called on the call's Vert.x context.
 */
public interface ApprovalCall {

    String grantId();

    String grantLabel();

    String serverId();

    String tool();

    /** The call's arguments (null when it had none). */
    JsonNode arguments();

    JsonRpc.Message message();

    boolean modern();

    /** The client declared form elicitation (modern: on this request; 2025 era: at initialize). */
    boolean elicitsForm();

    ApprovalRequirement requirement();

    String policyId();

    int policyVersion();

    /** The id of the call's approval_required decision event (links the approval to the audit record). */
    String decisionId();

    /** Records one decision event of this call. */
    void record(DecisionEvent.Outcome outcome, String message);

    /** Answers with a policy denial (an isError tool result) and records it. */
    void deny(DecisionEvent.Outcome outcome, String message);

    /**
     * Answers with a JSON-RPC "invalid params" error and records a policy denial: for a request that is malformed
     * rather than refused by policy (Warden's own {@code requestState} that does not verify).
     *
     * @param reason short machine-readable reason, sent as the error's {@code data.reason}
     */
    void reject(String message, String reason);

    /** Answers with this JSON-RPC message (a modern {@code input_required} result). */
    void answer(ObjectNode message);

    /** Takes the call's rate-limit tokens, then runs {@code admitted}; a limit's denial is answered by the proxy. */
    void takeLimits(Runnable admitted);

    /** Gives the tokens taken back: the call will not run after all. */
    void giveBackLimits();

    /** Sends the call upstream with these params, as an allowed call. */
    void forward(ObjectNode params, String approvedBy);

    /**
     * Holds the call open while it waits, counted against the grant's stream budget. With {@code events} the answer
     * becomes an event stream (2025 era, for Warden's own elicitation). False: the budget refused and the call was answered.
     */
    boolean hold(boolean events);

    /** One JSON-RPC message on the held event stream. */
    void send(ObjectNode message);

    /** Runs once if the client goes away before the call was answered. */
    void onGone(Runnable r);
}
