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

    public SnapshotMetrics(MeterRegistry registry) {
        registry.gauge(STREAMS, open);
        snapshots = Counter.builder(EVENTS).tag("kind", "snapshot").description("Snapshot stream events sent")
                .register(registry);
        changes = Counter.builder(EVENTS).tag("kind", "change").description("Snapshot stream events sent")
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

    void changeSent() {
        changes.increment();
    }
}
