package io.warden.policyservice.approvals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SQL of the approvals table. Every state change is one compare-and-set UPDATE whose WHERE clause holds the state
 * it leaves (and, for decisions and spending, that the row has not expired), so of any number of concurrent callers
 * on any replicas exactly one changes the row and the others see no row returned.
 */
@ApplicationScoped
public class ApprovalRepository {
    /** Channel of decision notifications; the payload is the approval id. */
    public static final String CHANNEL = "warden_approvals";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, grant_id, grant_label, server_id, tool, argument_digest,"
            + " argument_keys::text AS keys, arguments_sealed, policy_id, policy_version, rule, reason, approver,"
            + " requested_at, expires_at, state, decided_by, decided_at, comment, used_at, request_id, gateway_id";
    private static final String LIVE = "state IN ('pending', 'approved')";

    /** What a gateway asked for, checked. */
    public record NewApproval(String id, String grantId, String grantLabel, String serverId, String tool,
                              String argumentDigest, List<String> argumentKeys, String argumentsSealed,
                              String policyId, int policyVersion, String rule, String reason, Approver approver,
                              long timeoutMillis, String requestId, String gatewayId) {
    }

    /** Inserts a pending approval unless the same call has a live one already (then empty). */
    public Optional<Approval> insertUnlessLive(Connection c, NewApproval n) throws SQLException {
        String sql = "INSERT INTO approvals (id, grant_id, grant_label, server_id, tool, argument_digest, argument_keys,"
                + " arguments_sealed, policy_id, policy_version, rule, reason, approver, requested_at, expires_at,"
                + " state, request_id, gateway_id) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, now(),"
                + " now() + ? * interval '1 millisecond', 'pending', ?, ?)"
                + " ON CONFLICT (grant_id, server_id, tool, argument_digest) WHERE " + LIVE + " DO NOTHING"
                + " RETURNING " + COLUMNS;
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), n.id(), n.grantId(), n.grantLabel(),
                n.serverId(), n.tool(), n.argumentDigest(), toJson(n.argumentKeys()), n.argumentsSealed(),
                n.policyId(), n.policyVersion(), n.rule(), n.reason(), n.approver().wire(), n.timeoutMillis(),
                n.requestId(), n.gatewayId())) {
            return one(ps);
        }
    }

    public Optional<Approval> findLive(Connection c, String grant, String server, String tool, String digest)
            throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT " + COLUMNS + " FROM approvals WHERE"
                + " grant_id = ? AND server_id = ? AND tool = ? AND argument_digest = ? AND " + LIVE),
                grant, server, tool, digest)) {
            return one(ps);
        }
    }

    /**
     * The newest denial of this exact call that still stands (the approval it denied has not reached its expiry), so
     * an agent that retries a denied call hears the denial and its comment instead of opening a fresh approval.
     */
    public Optional<Approval> findStandingDenial(Connection c, String grant, String server, String tool, String digest)
            throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT " + COLUMNS + " FROM approvals WHERE"
                + " grant_id = ? AND server_id = ? AND tool = ? AND argument_digest = ? AND state = 'denied'"
                + " AND expires_at > now() ORDER BY decided_at DESC LIMIT 1"), grant, server, tool, digest)) {
            return one(ps);
        }
    }

    public Optional<Approval> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT " + COLUMNS + " FROM approvals WHERE id = ?"),
                id)) {
            return one(ps);
        }
    }

    /** How many approvals wait for a decision now (pending and not yet overdue). */
    public long countPending(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM approvals WHERE state = 'pending' AND expires_at > now()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Newest first; {@code state} and {@code grant} may be null (no filter). */
    public List<Approval> list(Connection c, ApprovalState state, String grant, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM approvals WHERE true");
        List<Object> params = new ArrayList<>();
        if (state != null) {
            sql.append(" AND state = ?");
            params.add(state.wire());
        }
        if (grant != null) {
            sql.append(" AND grant_id = ?");
            params.add(grant);
        }
        sql.append(" ORDER BY requested_at DESC, id LIMIT ?");
        params.add(limit);
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql.toString()), params.toArray())) {
            return all(ps);
        }
    }

    /**
     * Pending or approved rows past their expiry become expired (their arguments dropped): all of them
     * ({@code id} null, at most {@code limit}, skipping rows another transaction holds) or the one with the id.
     */
    public List<Approval> expireOverdue(Connection c, String id, int limit) throws SQLException {
        String target = id == null
                ? "SELECT id FROM approvals WHERE " + LIVE + " AND expires_at <= now() ORDER BY expires_at LIMIT ?"
                        + " FOR UPDATE SKIP LOCKED"
                : "SELECT id FROM approvals WHERE id = ? AND " + LIVE + " AND expires_at <= now()";
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approvals SET state = 'expired',"
                + " arguments_sealed = NULL WHERE " + LIVE + " AND expires_at <= now() AND id IN (" + target + ")"
                + " RETURNING " + COLUMNS), id == null ? limit : id)) {
            return all(ps);
        }
    }

    /** The same, for the live approval of one exact call (before a Request looks for it). */
    public List<Approval> expireOverdueCall(Connection c, String grant, String server, String tool, String digest)
            throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approvals SET state = 'expired',"
                + " arguments_sealed = NULL WHERE grant_id = ? AND server_id = ? AND tool = ? AND argument_digest = ?"
                + " AND " + LIVE + " AND expires_at <= now() RETURNING " + COLUMNS), grant, server, tool, digest)) {
            return all(ps);
        }
    }

    /**
     * pending → approved or denied, only while pending and not expired; {@code onlyUserOfGrant} non-null adds "the
     * rule lets the user decide, and this is that user's grant". Empty when the row did not qualify.
     */
    public Optional<Approval> decide(Connection c, String id, ApprovalState decision, String decidedBy,
                                     String comment, String onlyUserOfGrant) throws SQLException {
        String sql = "UPDATE approvals SET state = ?, decided_by = ?, decided_at = now(), comment = ?,"
                + " arguments_sealed = NULL WHERE id = ? AND state = 'pending' AND expires_at > now()"
                + (onlyUserOfGrant == null ? "" : " AND approver = 'user' AND grant_id = ?") + " RETURNING " + COLUMNS;
        try (PreparedStatement ps = onlyUserOfGrant == null
                ? Sql.bind(c.prepareStatement(sql), decision.wire(), decidedBy, comment, id)
                : Sql.bind(c.prepareStatement(sql), decision.wire(), decidedBy, comment, id, onlyUserOfGrant)) {
            return one(ps);
        }
    }

    /** approved → used, only for the exact call it was asked for and before it expires. */
    public Optional<Approval> consume(Connection c, String id, String grant, String server, String tool,
                                      String digest, String gatewayId) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approvals SET state = 'used', used_at = now(),"
                + " used_by_gateway = ? WHERE id = ? AND state = 'approved' AND expires_at > now() AND grant_id = ?"
                + " AND server_id = ? AND tool = ? AND argument_digest = ? RETURNING " + COLUMNS),
                gatewayId, id, grant, server, tool, digest)) {
            return one(ps);
        }
    }

    /** Tells every replica (at commit) that the approval was decided. */
    public void notifyDecision(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT pg_notify(?, ?)"), CHANNEL, id)) {
            ps.execute();
        }
    }

    private static Optional<Approval> one(PreparedStatement ps) throws SQLException {
        List<Approval> rows = all(ps);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static List<Approval> all(PreparedStatement ps) throws SQLException {
        List<Approval> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Approval(rs.getString("id"), rs.getString("grant_id"), rs.getString("grant_label"),
                        rs.getString("server_id"), rs.getString("tool"), rs.getString("argument_digest"),
                        keys(rs.getString("keys")), rs.getString("arguments_sealed"), rs.getString("policy_id"),
                        rs.getInt("policy_version"), rs.getString("rule"), rs.getString("reason"),
                        Approver.fromWire(rs.getString("approver")), Sql.instant(rs, "requested_at"),
                        Sql.instant(rs, "expires_at"), ApprovalState.fromWire(rs.getString("state")),
                        rs.getString("decided_by"), Sql.instant(rs, "decided_at"), rs.getString("comment"),
                        Sql.instant(rs, "used_at"), rs.getString("request_id"), rs.getString("gateway_id")));
            }
        }
        return out;
    }

    private static String toJson(List<String> keys) {
        try {
            return JSON.writeValueAsString(keys);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> keys(String json) {
        try {
            return List.copyOf(JSON.readValue(json, new TypeReference<List<String>>() { }));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored argument keys unreadable", e);
        }
    }
}
