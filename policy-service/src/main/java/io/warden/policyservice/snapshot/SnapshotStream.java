package io.warden.policyservice.snapshot;

import io.smallrye.mutiny.subscription.MultiEmitter;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.policyservice.store.Database;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One gateway's stream: the full snapshot at revision R, then every change after R in revision order. Woken by the
 * {@link ChangeFeed}; at most one catch-up runs at a time (on a worker thread), so events never interleave.
 */
final class SnapshotStream implements Runnable {
    private static final int BATCH = 500;

    private final MultiEmitter<? super WatchEvent> emitter;
    private final Database db;
    private final SnapshotReader reader;
    private final ChangeLog changes;
    private final Executor executor;
    private final SnapshotMetrics metrics;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean draining = new AtomicBoolean();
    private long lastSent;

    SnapshotStream(MultiEmitter<? super WatchEvent> emitter, Database db, SnapshotReader reader, ChangeLog changes,
                   Executor executor, SnapshotMetrics metrics) {
        this.metrics = metrics;
        this.emitter = emitter;
        this.db = db;
        this.reader = reader;
        this.changes = changes;
        this.executor = executor;
    }

    /**
     * Sends the snapshot, or only a Resumed event when the gateway runs {@code resumeAfter} and the change log holds
     * everything after it; blocking (call on a worker thread). Afterwards {@link #run()} sends what follows.
     */
    void start(long resumeAfter) {
        if (resumeAfter > 0 && db.read(c -> changes.holdsAfter(c, resumeAfter))) {
            lastSent = resumeAfter;
            emitter.emit(Protos.resumed(resumeAfter));
            metrics.resumed();
            return;
        }
        Entries.Snapshot snapshot = db.consistentRead(reader::full);
        lastSent = snapshot.revision();
        emitter.emit(Protos.snapshot(snapshot));
        metrics.snapshotSent();
    }

    /** Wake-up: schedules a catch-up unless one is running (which then loops once more). */
    @Override
    public void run() {
        pending.set(true);
        if (draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (pending.getAndSet(false) && !emitter.isCancelled()) {
                List<Entries.Change> batch = db.read(c -> changes.after(c, lastSent, BATCH));
                if (!batch.isEmpty() && batch.get(0).revision() != lastSent + 1) {
                    // Pruned before this stream sent it: the gateway must start again from a full snapshot.
                    emitter.fail(io.grpc.Status.ABORTED.withDescription("the change log no longer holds revision "
                            + (lastSent + 1) + "; reconnect for a full snapshot").asRuntimeException());
                    return;
                }
                for (Entries.Change change : batch) {
                    emitter.emit(Protos.change(change));
                    metrics.changeSent();
                    lastSent = change.revision();
                }
                if (batch.size() == BATCH) {
                    pending.set(true);
                }
            }
        } catch (RuntimeException e) {
            emitter.fail(e);
        } finally {
            draining.set(false);
            if (pending.get() && !emitter.isCancelled() && draining.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }
    }
}
