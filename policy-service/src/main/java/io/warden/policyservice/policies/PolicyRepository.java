package io.warden.policyservice.policies;

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
public class PolicyRepository {
    private static final String VERSION_COLUMNS =
            "policy_name, version, document, canonical_hash, author, created_at, note";

    /** The policy row: its current version, creation time and creator. */
    public record Head(String name, int currentVersion, Instant createdAt, String createdBy) {
    }

    public void insertHead(Connection c, Head head) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO policies (name, current_version, created_at, created_by) VALUES (?, ?, ?, ?)")) {
            Sql.bind(ps, head.name(), head.currentVersion(), head.createdAt(), head.createdBy()).executeUpdate();
        }
    }

    public void setCurrent(Connection c, String name, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE policies SET current_version = ? WHERE name = ?")) {
            Sql.bind(ps, version, name).executeUpdate();
        }
    }

    public Optional<Head> head(Connection c, String name, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT name, current_version, created_at, created_by"
                + " FROM policies WHERE name = ?" + (forUpdate ? " FOR UPDATE" : "")), name);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new Head(rs.getString("name"), rs.getInt("current_version"),
                    Sql.instant(rs, "created_at"), rs.getString("created_by"))) : Optional.empty();
        }
    }

    public boolean exists(Connection c, String name) throws SQLException {
        return head(c, name, false).isPresent();
    }

    public void insertVersion(Connection c, PolicyVersion v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO policy_versions (" + VERSION_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Sql.bind(ps, v.policyName(), v.version(), v.document(), v.canonicalHash(), v.author(), v.createdAt(),
                    v.note()).executeUpdate();
        }
    }

    public Optional<PolicyVersion> version(Connection c, String name, int version) throws SQLException {
        List<PolicyVersion> found = versions(c, "SELECT " + VERSION_COLUMNS
                + " FROM policy_versions WHERE policy_name = ? AND version = ?", name, version);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<PolicyVersion> versions(Connection c, String name) throws SQLException {
        return versions(c, "SELECT " + VERSION_COLUMNS + " FROM policy_versions WHERE policy_name = ?"
                + " ORDER BY version", name);
    }

    public int latestVersion(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(
                "SELECT coalesce(max(version), 0) FROM policy_versions WHERE policy_name = ?"), name);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Every policy with its current version, by name. */
    public List<PolicyViews.Summary> summaries(Connection c) throws SQLException {
        List<PolicyViews.Summary> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT p.name, p.current_version, p.created_at, p.created_by,"
                + " v.canonical_hash, v.created_at AS updated_at, v.author FROM policies p"
                + " JOIN policy_versions v ON v.policy_name = p.name AND v.version = p.current_version ORDER BY p.name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new PolicyViews.Summary(rs.getString("name"), rs.getInt("current_version"),
                        rs.getString("canonical_hash"), Sql.instant(rs, "created_at"), rs.getString("created_by"),
                        Sql.instant(rs, "updated_at"), rs.getString("author")));
            }
        }
        return out;
    }

    private List<PolicyVersion> versions(Connection c, String sql, Object... params) throws SQLException {
        List<PolicyVersion> out = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new PolicyVersion(rs.getString("policy_name"), rs.getInt("version"), rs.getString("document"),
                        rs.getString("canonical_hash"), rs.getString("author"), Sql.instant(rs, "created_at"),
                        rs.getString("note")));
            }
        }
        return out;
    }
}
