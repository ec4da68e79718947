package io.warden.policyservice.inventory;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.policyservice.config.PolicyServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Fetches in the background, on two threads of its own (upstream calls and JDBC block; never on an event loop): a
 * server's tools right after it is registered or changed, and every server's every
 * {@code warden.policy.inventory.refresh-interval}. Each replica fetches on its own schedule; the store applies
 * concurrent fetches of one server one after the other.
 */
@ApplicationScoped
public class InventoryRefresher {
    private static final Logger LOG = Logger.getLogger(InventoryRefresher.class);

    private final InventoryService inventory;
    private final Duration interval;
    private final ScheduledExecutorService executor;

    public InventoryRefresher(InventoryService inventory, PolicyServiceConfig config) {
        this.inventory = inventory;
        this.interval = config.inventory().refreshInterval();
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "warden-inventory-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void start(@Observes StartupEvent event) {
        if (!interval.isZero() && !interval.isNegative()) {
            executor.scheduleWithFixedDelay(this::refreshAll, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    /** Fetches the server's tools soon, on a background thread. */
    public void refreshSoon(String serverId) {
        executor.execute(() -> refreshQuietly(serverId));
    }

    private void refreshAll() {
        try {
            inventory.serverIds().forEach(this::refreshQuietly);
        } catch (RuntimeException e) {
            LOG.warnf("periodic tool fetch skipped: %s", e.getClass().getSimpleName());
        }
    }

    private void refreshQuietly(String serverId) {
        try {
            inventory.refresh(serverId, InventoryService.SYSTEM);
        } catch (RuntimeException e) {
            // The server may have been deleted meanwhile, or the store be away; the next fetch tries again.
            LOG.debugf("tool fetch of server %s did not complete: %s", serverId, e.getClass().getSimpleName());
        }
    }
}
