package io.warden.policyservice.approvals;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.policyservice.config.PolicyServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Marks overdue approvals expired every {@code warden.policy.approvals.sweep-interval}, so gateways waiting on Watch
 * hear of the timeout, and counts the approvals still pending for the {@code warden.approvals.pending} gauge. Every replica sweeps; rows one replica is expiring are skipped by the others.
 */
@ApplicationScoped
public class ApprovalSweeper {
    private static final Logger LOG = Logger.getLogger(ApprovalSweeper.class);

    private final ApprovalManager approvals;
    private final ApprovalMetrics metrics;
    private final Duration interval;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "warden-approval-sweeper");
        t.setDaemon(true);
        return t;
    });

    public ApprovalSweeper(ApprovalManager approvals, ApprovalMetrics metrics, PolicyServiceConfig config) {
        this.approvals = approvals;
        this.metrics = metrics;
        this.interval = config.approvals().sweepInterval();
    }

    void start(@Observes StartupEvent event) {
        long millis = Math.max(50, interval.toMillis());
        executor.scheduleWithFixedDelay(this::sweep, millis, millis, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    private void sweep() {
        try {
            int expired = approvals.sweep();
            if (expired > 0) {
                LOG.debugf("%d approvals expired", expired);
            }
            metrics.pending(approvals.pendingCount());
        } catch (RuntimeException e) {
            LOG.warnf("approval sweep skipped (%s); the next one tries again", e.getClass().getSimpleName());
        }
    }
}
