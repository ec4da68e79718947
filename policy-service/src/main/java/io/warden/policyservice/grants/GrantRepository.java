package io.warden.policyservice.grants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@ApplicationScoped
public class GrantRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, label, server_id, policy_name, token_hash, tags::text AS tags,"
            + " created_at, rotated_at, revoked_at, expires_at";

    public void insert(Connection c, Grant g) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO grants (id, label, server_id, policy_name,"
                + " token_hash, tags, created_at, rotated_at, revoked_at, expires_at)"
                + " VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)")) {
            Sql.bind(ps, g.id(), g.label(), g.serverId(), g.policyName(), g.tokenHash(), tagsJson(g.tags()),
                    g.createdAt(), g.rotatedAt(), g.revokedAt(), g.expiresAt()).executeUpdate();
        }
    }

    public void rotate(Connection c, String id, String tokenHash, Instant at) throws SQLException {
        update(c, "UPDATE grants SET token_hash = ?, rotated_at = ? WHERE id = ?", tokenHash, at, id);
    }

    public void revoke(Connection c, String id, Instant at) throws SQLException {
        update(c, "UPDATE grants SET revoked_at = ? WHERE id = ?", at, id);
    }

    public void attach(Connection c, String id, String policyName) throws SQLException {
        update(c, "UPDATE grants SET policy_name = ? WHERE id = ?", policyName, id);
    }

    public Optional<Grant> find(Connection c, String id, boolean forUpdate) throws SQLException {
        List<Grant> found = query(c, "SELECT " + COLUMNS + " FROM grants WHERE id = ?"
                + (forUpdate ? " FOR UPDATE" : ""), id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<Grant> list(Connection c, String serverId) throws SQLException {
        return serverId == null ? query(c, "SELECT " + COLUMNS + " FROM grants ORDER BY id")
                : query(c, "SELECT " + COLUMNS + " FROM grants WHERE server_id = ? ORDER BY id", serverId);
    }

    private static void update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Sql.bind(ps, params).executeUpdate();
        }
    }

    private List<Grant> query(Connection c, String sql, Object... params) throws SQLException {
        List<Grant> grants = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                grants.add(new Grant(rs.getString("id"), rs.getString("label"), rs.getString("server_id"),
                        rs.getString("policy_name"), rs.getString("token_hash"), tags(rs.getString("tags")),
                        Sql.instant(rs, "created_at"), Sql.instant(rs, "rotated_at"), Sql.instant(rs, "revoked_at"),
                        Sql.instant(rs, "expires_at")));
            }
        }
        return grants;
    }

    private static String tagsJson(Map<String, String> tags) {
        try {
            return JSON.writeValueAsString(tags);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> tags(String json) {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tags unreadable", e);
        }
    }
}
