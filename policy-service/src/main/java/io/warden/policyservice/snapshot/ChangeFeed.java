package io.warden.policyservice.snapshot;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
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
 *
 * <p>Other features listen on channels of their own on the same connection ({@link #listen}): they receive each
 * notification's payload, and {@link ChannelListener#resync()} whenever notifications may have been missed (the
 * connection was lost, or came back after a loss).
 */
@ApplicationScoped
public class ChangeFeed {
    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    private static final int WAIT_MILLIS = 500;

    private final DataSource dataSource;
    private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<ChannelListener>> channels = new ConcurrentHashMap<>();
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

    /** Notifications of another channel; its callbacks run on the feed's thread and must only schedule work. */
    public interface ChannelListener {
        void notified(String payload);

        /** Notifications may have been lost: whatever depends on them must catch up. */
        void resync();
    }

    /**
     * Listens on {@code channel} (a plain identifier) from now on. Call before traffic flows (at startup): the
     * channel is LISTENed on the next (re)connect, and a connection already open gets it within one wait.
     */
    public void listen(String channel, ChannelListener listener) {
        if (!channel.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a channel name: " + channel);
        }
        channels.computeIfAbsent(channel, k -> ConcurrentHashMap.newKeySet()).add(listener);
    }

    private void listen() {
        long backoff = 100;
        boolean lost = false;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                Set<String> listening = new HashSet<>();
                listenNewChannels(connection, listening);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + ChangeLog.CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                backoff = 100;
                wakeAll();
                if (lost) {
                    resyncChannels();
                }
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    boolean changed = false;
                    for (PGNotification n : notifications == null ? new PGNotification[0] : notifications) {
                        if (n.getName().equals(ChangeLog.CHANNEL)) {
                            changed = true;
                        } else {
                            channels.getOrDefault(n.getName(), Set.of()).forEach(l -> l.notified(n.getParameter()));
                        }
                    }
                    if (changed) {
                        wakeAll();
                    }
                    listenNewChannels(connection, listening);
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                lost = true;
                resyncChannels();
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

    private void listenNewChannels(Connection connection, Set<String> listening) throws SQLException {
        for (String channel : channels.keySet()) {
            if (listening.add(channel)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + channel);
                }
            }
        }
    }

    private void resyncChannels() {
        channels.values().forEach(set -> set.forEach(ChannelListener::resync));
    }

    private void wakeAll() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
