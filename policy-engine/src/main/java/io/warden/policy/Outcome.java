package io.warden.policy;

/** What the engine decided about one request. */
public enum Outcome {
    /** Forward the call (after charging the decision's limits). */
    ALLOW,
    /** Refuse the call with a {@code [POLICY DENIED]} result. */
    DENY,
    /** Answer as if the tool did not exist (JSON-RPC {@code -32602}). */
    HIDDEN,
    /** Hold the call until a human approves it; see {@link Decision#approval()}. */
    APPROVAL_REQUIRED
}
