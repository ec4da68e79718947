package io.warden.gateway.audit;

/** Why a decision event was lost; {@link #tag()} is the value of the {@code cause} tag on {@link AuditMetrics#DROPPED}. */
public enum DropCause {
    /** The bounded queue was full: the writer does not keep up. */
    QUEUE_FULL("queue_full"),
    /** The event could not be serialised even without its argument snapshot. */
    ENCODE_ERROR("encode_error"),
    /** Writing to the destination failed. */
    WRITE_ERROR("write_error"),
    /** Published after the sink was closed. */
    CLOSED("closed"),
    /** Kafka was unreachable and the disk spool that holds events for it was full. */
    SPOOL_FULL("spool_full"),
    /** An event for a request refused before authentication, beyond the per-second allowance for them. */
    UNAUTHENTICATED_EXCESS("unauthenticated_excess");

    private final String tag;

    DropCause(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
