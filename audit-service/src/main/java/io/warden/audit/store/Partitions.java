package io.warden.audit.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daily partitions of {@code decisions} (UTC days, named {@code decisions_pYYYYMMDD}): created ahead and on demand,
 * dropped once a whole day is past the retention. Creation takes a transaction-scoped advisory lock so that pods never
 * race on the same DDL. Which days exist is cached; {@link #forget()} clears the cache when another pod may have dropped
 * one.
 */
@ApplicationScoped
public class Partitions {

    static final String PREFIX = "decisions_p";
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final long LOCK_KEY = 0x77617264656e01L; // "warden" + 1: partition DDL of the audit store

    private final Set<LocalDate> known = ConcurrentHashMap.newKeySet();

    /** Creates the partitions of these days that are not known to exist, in one transaction of its own. */
    public void ensure(Connection connection, Collection<LocalDate> days) throws SQLException {
        Set<LocalDate> missing = new TreeSet<>();
        for (LocalDate day : days) {
            if (!known.contains(day)) {
                missing.add(day);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            for (LocalDate day : missing) {
                statement.execute("CREATE TABLE IF NOT EXISTS " + name(day) + " PARTITION OF decisions FOR VALUES FROM ('"
                        + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')");
            }
            connection.commit();
            known.addAll(missing);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The partition days of these instants (UTC). */
    public static Set<LocalDate> daysOf(Collection<Instant> times) {
        Set<LocalDate> days = new TreeSet<>();
        for (Instant time : times) {
            days.add(LocalDate.ofInstant(time, ZoneOffset.UTC));
        }
        return days;
    }

    /** Drops every partition whose whole day ended at or before {@code cutoff}; returns the dropped tables' names. */
    public List<String> dropEndedBefore(Connection connection, Instant cutoff) throws SQLException {
        List<String> dropped = new ArrayList<>();
        for (String table : existing(connection)) {
            LocalDate day = dayOf(table);
            if (day != null && !day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().isAfter(cutoff)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE IF EXISTS " + table);
                }
                known.remove(day);
                dropped.add(table);
            }
        }
        return dropped;
    }

    /** Names of the existing partitions, oldest first. */
    public List<String> existing(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT c.relname FROM pg_inherits i"
                     + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
                     + " WHERE p.relname = 'decisions' AND p.relnamespace = to_regnamespace(current_schema())::oid"
                     + " ORDER BY c.relname")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        return tables;
    }

    /** Forgets which partitions exist (another pod may have dropped one); the next {@link #ensure} checks again. */
    public void forget() {
        known.clear();
    }

    static String name(LocalDate day) {
        return PREFIX + DAY.format(day);
    }

    /** The day of a partition name, or null for a table this class did not name. */
    static LocalDate dayOf(String table) {
        if (!table.startsWith(PREFIX) || table.length() != PREFIX.length() + 8) {
            return null;
        }
        try {
            return LocalDate.parse(table.substring(PREFIX.length()), DAY);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
