package io.warden.policyservice.snapshot;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps the change log bounded: every {@code warden.policy.distribution.change-log.prune-interval}, changes older than
 * both the last {@code keep-revisions} revisions and {@code keep-for} are deleted. Replicas prune independently; a
 * DELETE that races another is harmless. A gateway further behind than what is kept gets a full snapshot, and a stream
 * that has not sent a pruned change yet fails so that its gateway reconnects ({@link SnapshotStream}).
 */
@ApplicationScoped
public class ChangeLogPruner {
    private static final Logger LOG = Logger.getLogger(ChangeLogPruner.class);

    private final Database db;
    private final ChangeLog changes;
    private final PolicyServiceConfig.ChangeLog settings;
    private ScheduledExecutorService executor;

    public ChangeLogPruner(Database db, ChangeLog changes, PolicyServiceConfig config) {
        this.db = db;
        this.changes = changes;
        this.settings = config.distribution().changeLog();
    }

    void start(@Observes StartupEvent event) {
        Duration every = settings.pruneInterval();
        if (every.isZero() || every.isNegative()) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "warden-change-log-pruner");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::pruneQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Prunes once now; returns how many changes were deleted. */
    public int prune() {
        int deleted = db.inTransaction(c -> changes.prune(c, settings.keepRevisions(), settings.keepFor()));
        if (deleted > 0) {
            LOG.infof("change log pruned: %d changes older than the last %d revisions and %s", deleted,
                    settings.keepRevisions(), settings.keepFor());
        }
        return deleted;
    }

    private void pruneQuietly() {
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.warnf("change log not pruned this time: %s", e.getClass().getSimpleName());
        }
    }
}
