package io.warden.policyservice.snapshot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicInteger;

/** Metrics of the snapshot stream, named once here. */
@ApplicationScoped
public class SnapshotMetrics {
    static final String STREAMS = "warden.snapshot.streams";
    static final String EVENTS = "warden.snapshot.events";

    private final AtomicInteger open = new AtomicInteger();
    private final Counter snapshots;
    private final Counter changes;
    private final Counter resumed;

    public SnapshotMetrics(MeterRegistry registry) {
        registry.gauge(STREAMS, open);
        snapshots = Counter.builder(EVENTS).tag("kind", "snapshot").description("Snapshot stream events sent")
                .register(registry);
        changes = Counter.builder(EVENTS).tag("kind", "change").description("Snapshot stream events sent")
                .register(registry);
        resumed = Counter.builder(EVENTS).tag("kind", "resumed").description("Snapshot stream events sent")
                .register(registry);
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    void snapshotSent() {
        snapshots.increment();
    }

    void resumed() {
        resumed.increment();
    }

    void changeSent() {
        changes.increment();
    }
}
