package io.warden.policyservice.approvals;

import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The webhook outbox table: a message is written with its approval (same transaction), claimed by one replica at a
 * time for a lease, and marked delivered, rescheduled or given up. Times are the database's, like the approvals'.
 */
@ApplicationScoped
public class WebhookOutbox {
    /** One claimed delivery; {@code attempt} counts this one. */
    public record Message(long id, String approvalId, String body, int attempt) {
    }

    private final boolean enabled;
    private final Optional<String> consoleBaseUrl;

    public WebhookOutbox(PolicyServiceConfig config) {
        this.enabled = config.approvals().webhook().url().isPresent();
        this.consoleBaseUrl = config.approvals().consoleBaseUrl().filter(s -> !s.isBlank());
    }

    /** Queues the announcement of a new approval (nothing when no webhook is configured). */
    public void enqueue(Connection c, Approval approval) throws SQLException {
        if (!enabled) {
            return;
        }
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("INSERT INTO approval_webhooks (approval_id, body,"
                + " next_attempt_at, created_at) VALUES (?, ?, now(), now())"), approval.id(),
                WebhookMessage.body(approval, consoleBaseUrl))) {
            ps.executeUpdate();
        }
    }

    /**
     * Takes up to {@code limit} due messages for {@code lease}: they are not due again for anyone until it ends, so
     * a replica that dies mid-delivery only delays its messages. Rows other replicas are claiming are skipped.
     */
    public List<Message> claim(Connection c, int limit, Duration lease) throws SQLException {
        List<Message> out = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approval_webhooks SET attempts = attempts + 1,"
                + " next_attempt_at = now() + ? * interval '1 millisecond' WHERE id IN (SELECT id FROM"
                + " approval_webhooks WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= now()"
                + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING id, approval_id, body, attempts"),
                lease.toMillis(), limit);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Message(rs.getLong("id"), rs.getString("approval_id"), rs.getString("body"),
                        rs.getInt("attempts")));
            }
        }
        return out;
    }

    public void delivered(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approval_webhooks SET delivered_at = now(),"
                + " last_error = NULL WHERE id = ?"), id)) {
            ps.executeUpdate();
        }
    }

    public void retryAfter(Connection c, long id, Duration wait, String error) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approval_webhooks SET next_attempt_at = now()"
                + " + ? * interval '1 millisecond', last_error = ? WHERE id = ?"), wait.toMillis(), error, id)) {
            ps.executeUpdate();
        }
    }

    public void gaveUp(Connection c, long id, String error) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("UPDATE approval_webhooks SET gave_up_at = now(),"
                + " last_error = ? WHERE id = ?"), error, id)) {
            ps.executeUpdate();
        }
    }
}
