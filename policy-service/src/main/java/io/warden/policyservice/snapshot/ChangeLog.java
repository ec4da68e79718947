package io.warden.policyservice.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Records, inside the caller's transaction, each change gateways must follow: it takes the next store revision,
 * stores the entity as gateways receive it, and NOTIFYs {@value #CHANNEL} (delivered by PostgreSQL only at commit,
 * to every replica listening).
 */
@ApplicationScoped
public class ChangeLog {
    public static final String CHANNEL = "warden_changes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;

    public ChangeLog(Clock clock) {
        this.clock = clock;
    }

    public long server(Connection c, String id, Entries.ServerEntry entry) throws SQLException {
        return record(c, "server", id, entry);
    }

    public long grant(Connection c, String id, Entries.GrantEntry entry) throws SQLException {
        return record(c, "grant", id, entry);
    }

    public long policy(Connection c, String name, Entries.PolicyEntry entry) throws SQLException {
        return record(c, "policy", name, entry);
    }

    private long record(Connection c, String type, String id, Object entry) throws SQLException {
        long revision;
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE store_revision SET revision = revision + 1 RETURNING revision");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            revision = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO changes (revision, at, entity_type, entity_id, entry) VALUES (?, ?, ?, ?, ?)")) {
            Sql.bind(ps, revision, clock.instant(), type, id, entry == null ? null : toJson(entry)).executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            Sql.bind(ps, CHANNEL, Long.toString(revision)).execute();
        }
        return revision;
    }

    /** The store's revision as this transaction sees it. */
    public long revision(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT revision FROM store_revision");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * True when every change after {@code revision} is still in the log, so a gateway running it can resume: revisions
     * are contiguous (each is taken and logged in one transaction), so only the next one needs looking at.
     */
    public boolean holdsAfter(Connection c, long revision) throws SQLException {
        long current = revision(c);
        if (revision <= 0 || revision > current) {
            return false; // nothing to resume from, or a revision this store never reached (another or restored store)
        }
        if (revision == current) {
            return true;
        }
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT 1 FROM changes WHERE revision = ?"),
                revision + 1); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /**
     * Deletes changes older than both the last {@code keepRevisions} revisions and {@code keepFor}; returns how many.
     */
    public int prune(Connection c, long keepRevisions, java.time.Duration keepFor) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("DELETE FROM changes WHERE revision <= ? AND at < ?"),
                revision(c) - keepRevisions, clock.instant().minus(keepFor))) {
            return ps.executeUpdate();
        }
    }

    /** Changes after {@code revision}, oldest first, at most {@code limit}. */
    public List<Entries.Change> after(Connection c, long revision, int limit) throws SQLException {
        List<Entries.Change> out = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT revision, entity_type, entity_id, entry"
                + " FROM changes WHERE revision > ? ORDER BY revision LIMIT ?"), revision, limit);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String type = rs.getString("entity_type");
                String entry = rs.getString("entry");
                out.add(new Entries.Change(rs.getLong("revision"), type, rs.getString("entity_id"),
                        entry == null ? null : fromJson(type, entry)));
            }
        }
        return out;
    }

    private static String toJson(Object entry) {
        try {
            return JSON.writeValueAsString(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object fromJson(String type, String json) {
        Class<?> cls = switch (type) {
            case "server" -> Entries.ServerEntry.class;
            case "grant" -> Entries.GrantEntry.class;
            case "policy" -> Entries.PolicyEntry.class;
            default -> throw new IllegalStateException("unknown entity type " + type);
        };
        try {
            return JSON.readValue(json, cls);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("change log entry unreadable", e);
        }
    }
}
