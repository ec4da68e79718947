package io.warden.gateway.approval;

import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Where approvals live: policy-service in connected mode ({@link GrpcApprovals}), this process in standalone mode
 * ({@link LocalApprovals}). The contract is warden/approval/v1/approval.proto; its messages are the types here.
 *
 * <p>Every method is asynchronous and never blocks the caller; its stage may complete on any thread, so callers hop back
 * to their Vert.x context. A stage fails only when the store cannot be reached (or, for {@link #answerAsUser}, refuses
 * the answer): the gateway then denies the call, it never lets it through.
 */
public interface Approvals extends AutoCloseable {

    /** Opens an approval for a call, or returns the live one for the same grant, server, tool and argument digest. */
    CompletionStage<Approval> request(ApprovalRequest request);

    /** One approval by id; empty when there is none. */
    CompletionStage<Optional<Approval>> get(String id);

    /** Spends an approved approval for exactly this call, once. */
    CompletionStage<ConsumeReply> consume(ConsumeRequest request);

    /**
     * The user's answer to Warden's elicitation. Decides only approvals whose rule said {@code approver: "user"}; for the
     * others the stage fails with {@link UserMayNotDecide} and the approval keeps waiting for an operator.
     */
    CompletionStage<Approval> answerAsUser(UserAnswer answer);

    /** Every decision (approved, denied, expired) from now on; the listener runs on any thread and must not block. */
    void onDecision(Consumer<Approval> listener);

    @Override
    void close();

    /** The approval's rule did not let the agent's user decide. */
    final class UserMayNotDecide extends RuntimeException {
        public UserMayNotDecide(String id) {
            super("approval " + id + " waits for an operator", null, false, false);
        }
    }
}
