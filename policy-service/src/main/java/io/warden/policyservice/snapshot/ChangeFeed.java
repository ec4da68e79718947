package io.warden.policyservice.snapshot;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes every open snapshot stream when any replica commits a change: one connection per replica LISTENs on
 * {@link ChangeLog#CHANNEL}. A notification only says "something changed"; each stream then reads the change log
 * after the revision it sent last, so a lost notification or a reconnect loses nothing (every (re)connect wakes all
 * streams once to catch up).
 */
@ApplicationScoped
public class ChangeFeed {
    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    private static final int WAIT_MILLIS = 500;

    private final DataSource dataSource;
    private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private Thread thread;

    public ChangeFeed(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::listen, "warden-change-feed");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** {@code wake} runs on the feed's thread: it must only schedule work. */
    public void subscribe(Runnable wake) {
        listeners.add(wake);
    }

    public void unsubscribe(Runnable wake) {
        listeners.remove(wake);
    }

    private void listen() {
        long backoff = 100;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + ChangeLog.CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                backoff = 100;
                wakeAll();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        wakeAll();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("change feed connection lost (%s, SQLSTATE %s); listening again in %d ms",
                        e.getClass().getSimpleName(), e instanceof SQLException s ? s.getSQLState() : "-", backoff);
                try {
                    Thread.sleep(backoff); // reconnect backoff of a background thread, not synchronisation
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void wakeAll() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
