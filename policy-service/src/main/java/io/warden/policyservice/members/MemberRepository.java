package io.warden.policyservice.members;

import io.warden.policyservice.security.Role;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class MemberRepository {
    private static final String COLUMNS = "id, label, role, key_hash, created_at, created_by, revoked_at";

    public void insert(Connection c, Member m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO members (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Sql.bind(ps, m.id(), m.label(), m.role().wire(), m.keyHash(), m.createdAt(), m.createdBy(),
                    m.revokedAt()).executeUpdate();
        }
    }

    public Optional<Member> findActiveByKeyHash(Connection c, String keyHash) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM members WHERE key_hash = ? AND revoked_at IS NULL", keyHash);
    }

    public Optional<Member> find(Connection c, String id, boolean forUpdate) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM members WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""), id);
    }

    public List<Member> list(Connection c) throws SQLException {
        return many(c, "SELECT " + COLUMNS + " FROM members ORDER BY created_at, id");
    }

    public void revoke(Connection c, String id, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE members SET revoked_at = ? WHERE id = ?")) {
            Sql.bind(ps, at, id).executeUpdate();
        }
    }

    private Optional<Member> one(Connection c, String sql, Object... params) throws SQLException {
        List<Member> found = many(c, sql, params);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private List<Member> many(Connection c, String sql, Object... params) throws SQLException {
        List<Member> members = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                members.add(new Member(rs.getString("id"), rs.getString("label"), Role.fromWire(rs.getString("role")),
                        rs.getString("key_hash"), Sql.instant(rs, "created_at"), rs.getString("created_by"),
                        Sql.instant(rs, "revoked_at")));
            }
        }
        return members;
    }
}
