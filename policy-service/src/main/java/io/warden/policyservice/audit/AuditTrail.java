package io.warden.policyservice.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The admin audit trail. {@link #record} runs inside the caller's transaction, so a change and its audit entry are
 * committed together or not at all. Callers pass the API's public views, which hold no secret by construction.
 */
@ApplicationScoped
public class AuditTrail {
    private static final Logger LOG = Logger.getLogger(AuditTrail.class);

    private final ObjectMapper json;
    private final Clock clock;

    public AuditTrail(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    public void record(Connection c, Caller actor, String action, String entityType, String entityId,
                       Object before, Object after) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO admin_audit"
                + " (at, actor, action, entity_type, entity_id, before, after)"
                + " VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)")) {
            Sql.bind(ps, clock.instant(), actor.id(), action, entityType, entityId, toJson(before), toJson(after))
                    .executeUpdate();
        }
        LOG.infof("%s %s %s by %s", entityType, entityId, action, actor.id());
    }

    public List<AuditEntry> find(Connection c, AuditQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id, at, actor, action, entity_type, entity_id, before::text AS b,"
                + " after::text AS a FROM admin_audit WHERE true");
        List<Object> params = new ArrayList<>();
        if (q.actor() != null) {
            sql.append(" AND actor = ?");
            params.add(q.actor());
        }
        if (q.entityType() != null) {
            sql.append(" AND entity_type = ?");
            params.add(q.entityType());
        }
        if (q.entityId() != null) {
            sql.append(" AND entity_id = ?");
            params.add(q.entityId());
        }
        if (q.since() != null) {
            sql.append(" AND at >= ?");
            params.add(q.since());
        }
        if (q.until() != null) {
            sql.append(" AND at < ?");
            params.add(q.until());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(q.limit());
        List<AuditEntry> entries = new ArrayList<>();
        try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql.toString()), params.toArray());
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                entries.add(new AuditEntry(rs.getLong("id"), Sql.instant(rs, "at"), rs.getString("actor"),
                        rs.getString("action"), rs.getString("entity_type"), rs.getString("entity_id"),
                        fromJson(rs.getString("b")), fromJson(rs.getString("a"))));
            }
        }
        return entries;
    }

    private String toJson(Object view) {
        if (view == null) {
            return null;
        }
        try {
            return json.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit view not serialisable: " + view.getClass().getSimpleName(), e);
        }
    }

    private JsonNode fromJson(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored audit JSON unreadable", e);
        }
    }
}
