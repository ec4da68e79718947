package io.warden.policyservice.servers;

import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class ServerRepository {
    private static final String COLUMNS = "id, name, url, era, http2, created_at, updated_at";

    public void insert(Connection c, Server s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO servers (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Sql.bind(ps, s.id(), s.name(), s.url(), s.era(), s.http2(), s.createdAt(), s.updatedAt()).executeUpdate();
        }
    }

    public void update(Connection c, Server s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE servers SET name = ?, url = ?, era = ?, http2 = ?, updated_at = ? WHERE id = ?")) {
            Sql.bind(ps, s.name(), s.url(), s.era(), s.http2(), s.updatedAt(), s.id()).executeUpdate();
        }
    }

    public void delete(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM servers WHERE id = ?")) {
            Sql.bind(ps, id).executeUpdate();
        }
    }

    public Optional<Server> find(Connection c, String id, boolean forUpdate) throws SQLException {
        List<Server> found = query(c, "SELECT " + COLUMNS + " FROM servers WHERE id = ?"
                + (forUpdate ? " FOR UPDATE" : ""), id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<Server> list(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM servers ORDER BY id");
    }

    /** Grants of the server that are not revoked. */
    public int activeGrantCount(Connection c, String serverId) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(
                "SELECT count(*) FROM grants WHERE server_id = ? AND revoked_at IS NULL"), serverId);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Removes the server's revoked grants (their history stays in the audit trail); returns their ids. */
    public List<String> deleteRevokedGrants(Connection c, String serverId) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("DELETE FROM grants WHERE server_id = ?"
                + " AND revoked_at IS NOT NULL RETURNING id"), serverId); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    public List<SealedHeader> headers(Connection c, String serverId) throws SQLException {
        return headerQuery(c, "SELECT server_id, name, ciphertext, key_version FROM server_headers"
                + " WHERE server_id = ? ORDER BY lower(name)", serverId);
    }

    /** Rows sealed with another key than {@code version}, locked for re-encryption. */
    public List<SealedHeader> headersNotSealedWith(Connection c, String version) throws SQLException {
        return headerQuery(c, "SELECT server_id, name, ciphertext, key_version FROM server_headers"
                + " WHERE key_version <> ? ORDER BY server_id, name FOR UPDATE", version);
    }

    /** Inserts or replaces one header (same name, any case). */
    public void putHeader(Connection c, SealedHeader h) throws SQLException {
        deleteHeader(c, h.serverId(), h.name());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO server_headers (server_id, name, ciphertext, key_version) VALUES (?, ?, ?, ?)")) {
            Sql.bind(ps, h.serverId(), h.name(), h.ciphertext(), h.keyVersion()).executeUpdate();
        }
    }

    public void deleteHeader(Connection c, String serverId, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM server_headers WHERE server_id = ? AND lower(name) = lower(?)")) {
            Sql.bind(ps, serverId, name).executeUpdate();
        }
    }

    public void reseal(Connection c, SealedHeader h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE server_headers SET ciphertext = ?, key_version = ?"
                + " WHERE server_id = ? AND name = ?")) {
            Sql.bind(ps, h.ciphertext(), h.keyVersion(), h.serverId(), h.name()).executeUpdate();
        }
    }

    private List<Server> query(Connection c, String sql, Object... params) throws SQLException {
        List<Server> servers = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                servers.add(new Server(rs.getString("id"), rs.getString("name"), rs.getString("url"),
                        rs.getString("era"), rs.getBoolean("http2"), Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "updated_at")));
            }
        }
        return servers;
    }

    private List<SealedHeader> headerQuery(Connection c, String sql, Object... params) throws SQLException {
        List<SealedHeader> headers = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                headers.add(new SealedHeader(rs.getString("server_id"), rs.getString("name"),
                        rs.getString("ciphertext"), rs.getString("key_version")));
            }
        }
        return headers;
    }
}
