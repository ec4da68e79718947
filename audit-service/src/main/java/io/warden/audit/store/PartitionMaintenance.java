package io.warden.audit.store;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.audit.config.AuditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The scheduled partition job, on a thread of its own: creates today's partition and
 * {@code warden.audit.store.partitions-ahead} more, and drops the partitions whose whole day is older than
 * {@code warden.audit.store.retention}, with their rollups. Runs at start-up and every {@code maintenance-interval}; a
 * failed run (the
 * database away) is logged and simply tried again at the next one.
 */
@ApplicationScoped
public class PartitionMaintenance {

    /** The rollups of migration V4 and their time columns. */
    static final Map<String, String> ROLLUPS = Map.of("decision_minutes", "minute", "decision_minutes_sequences", "minute",
            "decision_hours_grants", "hour", "decision_hours_denied", "hour", "decision_hours_latency", "hour");

    private static final Logger LOG = Logger.getLogger(PartitionMaintenance.class);

    private final DataSource dataSource;
    private final Partitions partitions;
    private final AuditConfig.Store config;
    private final Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler;

    public PartitionMaintenance(DataSource dataSource, Partitions partitions, AuditConfig config) {
        this.dataSource = dataSource;
        this.partitions = partitions;
        this.config = config.store();
    }

    void start(@Observes StartupEvent event) {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "warden-audit-partitions");
            thread.setDaemon(true);
            return thread;
        });
        long every = config.maintenanceInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::runLogged, 0, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void runLogged() {
        try {
            List<String> dropped = run(clock.instant());
            if (!dropped.isEmpty()) {
                LOG.infof("retention %s: dropped partitions %s", config.retention(), dropped);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("partition maintenance failed, retried in %s: %s", config.maintenanceInterval(), e.toString());
        }
    }

    /** One run as of {@code now}: partitions ahead created, expired ones dropped (their names returned). */
    public List<String> run(Instant now) throws SQLException {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        List<LocalDate> ahead = new ArrayList<>();
        for (int i = 0; i <= config.partitionsAhead(); i++) {
            ahead.add(today.plusDays(i));
        }
        try (Connection connection = dataSource.getConnection()) {
            partitions.forget(); // another pod may have created or dropped some
            partitions.ensure(connection, ahead);
            List<String> dropped = partitions.dropEndedBefore(connection, now.minus(config.retention()));
            // Completions and heartbeats are small beside the decisions: deleted by row, on the same retention.
            for (String table : List.of("completions", "gateway_heartbeats")) {
                try (java.sql.PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM " + table + " WHERE time < ?")) {
                    delete.setTimestamp(1, java.sql.Timestamp.from(now.minus(config.retention())));
                    delete.executeUpdate();
                }
            }
            // The rollups of the dropped days go with them: a partition is dropped when its whole day ended before the
            // cutoff, i.e. every day before the cutoff's own.
            Instant firstKept = LocalDate.ofInstant(now.minus(config.retention()), ZoneOffset.UTC)
                    .atStartOfDay(ZoneOffset.UTC).toInstant();
            for (Map.Entry<String, String> rollup : ROLLUPS.entrySet()) {
                try (java.sql.PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM " + rollup.getKey() + " WHERE " + rollup.getValue() + " < ?")) {
                    delete.setTimestamp(1, java.sql.Timestamp.from(firstKept));
                    delete.executeUpdate();
                }
            }
            return dropped;
        }
    }
}
