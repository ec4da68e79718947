package io.warden.gateway.audit;

/** Metric names of the audit feature, declared once. Micrometer's Prometheus registry exposes them as {@code warden_audit_*}. */
public final class AuditMetrics {

    /** Counter: events written. */
    public static final String WRITTEN = "warden.audit.written";
    /** Counter: events lost, tagged with {@link #CAUSE} ({@link DropCause#tag()}). */
    public static final String DROPPED = "warden.audit.dropped";
    /** Counter: events written without their argument snapshot because it was too large or not serialisable. */
    public static final String DEGRADED = "warden.audit.degraded";
    /** Gauge: bytes of events waiting in the Kafka spool on disk (0 while Kafka takes them directly). */
    public static final String SPOOLED_BYTES = "warden.audit.spool.bytes";
    /** Gauge: events waiting in the queue. */
    public static final String QUEUED = "warden.audit.queued";
    /** Tag naming the {@link DropCause}. */
    public static final String CAUSE = "cause";

    private AuditMetrics() {
    }
}
