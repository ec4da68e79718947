package io.warden.policyservice.inventory;

import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

@ApplicationScoped
public class InventoryRepository {
    private static final String COLUMNS = "server_id, name, definition, hash, approved_definition, approved_hash,"
            + " first_seen, last_changed, last_seen, listed";

    /** The server's tools by name, in name order. */
    Map<String, ToolRow> tools(Connection c, String serverId) throws SQLException {
        Map<String, ToolRow> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT " + COLUMNS
                + " FROM tools WHERE server_id = ? ORDER BY name"), serverId); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.put(rs.getString("name"), new ToolRow(rs.getString("server_id"), rs.getString("name"),
                        rs.getString("definition"), rs.getString("hash"), rs.getString("approved_definition"),
                        rs.getString("approved_hash"), Sql.instant(rs, "first_seen"), Sql.instant(rs, "last_changed"),
                        Sql.instant(rs, "last_seen"), rs.getBoolean("listed")));
            }
        }
        return rows;
    }

    void upsert(Connection c, ToolRow t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tools (" + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server_id, name) DO UPDATE SET"
                + " definition = EXCLUDED.definition, hash = EXCLUDED.hash,"
                + " approved_definition = EXCLUDED.approved_definition, approved_hash = EXCLUDED.approved_hash,"
                + " last_changed = EXCLUDED.last_changed, last_seen = EXCLUDED.last_seen, listed = EXCLUDED.listed")) {
            Sql.bind(ps, t.serverId(), t.name(), t.definition(), t.hash(), t.approvedDefinition(), t.approvedHash(),
                    t.firstSeen(), t.lastChanged(), t.lastSeen(), t.listed()).executeUpdate();
        }
    }

    void recordFetch(Connection c, FetchOutcome f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tool_fetches (server_id, at, ok, era, error)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (server_id) DO UPDATE SET at = EXCLUDED.at, ok = EXCLUDED.ok,"
                + " era = EXCLUDED.era, error = EXCLUDED.error")) {
            Sql.bind(ps, f.serverId(), f.at(), f.ok(), f.era(), f.error()).executeUpdate();
        }
    }

    Optional<FetchOutcome> lastFetch(Connection c, String serverId) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT server_id, at, ok, era, error"
                + " FROM tool_fetches WHERE server_id = ?"), serverId); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new FetchOutcome(rs.getString("server_id"), Sql.instant(rs, "at"),
                    rs.getBoolean("ok"), rs.getString("era"), rs.getString("error"))) : Optional.empty();
        }
    }

    /** What gateways need of a server's inventory: the option, the approved hashes, the tools waiting for approval. */
    public record Pins(boolean enabled, Map<String, String> approved, java.util.List<String> changed) {
    }

    public Pins pins(Connection c, String serverId) throws SQLException {
        Map<String, String> approved = new java.util.TreeMap<>();
        java.util.List<String> changed = new java.util.ArrayList<>();
        for (ToolRow row : tools(c, serverId).values()) {
            approved.put(row.name(), row.approvedHash());
            if (row.changed() && row.listed()) {
                changed.add(row.name());
            }
        }
        return new Pins(pinning(c, serverId), approved, changed);
    }

    boolean pinning(Connection c, String serverId) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(
                "SELECT enabled FROM tool_pinning WHERE server_id = ?"), serverId); ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    void setPinning(Connection c, String serverId, boolean enabled, java.time.Instant at, String by)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tool_pinning (server_id, enabled, changed_at,"
                + " changed_by) VALUES (?, ?, ?, ?) ON CONFLICT (server_id) DO UPDATE SET enabled = EXCLUDED.enabled,"
                + " changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by")) {
            Sql.bind(ps, serverId, enabled, at, by).executeUpdate();
        }
    }
}
