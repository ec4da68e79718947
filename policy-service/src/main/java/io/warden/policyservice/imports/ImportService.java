package io.warden.policyservice.imports;

import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.crypto.SecretCipher;
import io.warden.policyservice.grants.Grant;
import io.warden.policyservice.grants.GrantRepository;
import io.warden.policyservice.policies.CanonicalJson;
import io.warden.policyservice.policies.PolicyRepository;
import io.warden.policyservice.policies.PolicyVersion;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.servers.SealedHeader;
import io.warden.policyservice.servers.Server;
import io.warden.policyservice.servers.ServerRepository;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.store.Sql;
import io.warden.policyservice.web.FieldError;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Loads a standalone {@code warden.yaml} into the store in one transaction: every entity, its change for the gateways
 * and one audit entry commit together, or nothing does. Token hashes are taken as they are, so the agents' tokens keep
 * working after the move to connected mode.
 */
@ApplicationScoped
public class ImportService {

    /** {@code create}: any id already in the store is a conflict. {@code replace}: such entries are overwritten. */
    public enum Mode { CREATE, REPLACE }

    private final Database db;
    private final ServerRepository servers;
    private final GrantRepository grants;
    private final PolicyRepository policies;
    private final SecretCipher cipher;
    private final AuditTrail audit;
    private final ChangeLog changes;
    private final SnapshotReader entries;
    private final Clock clock;

    public ImportService(Database db, ServerRepository servers, GrantRepository grants, PolicyRepository policies,
                         SecretCipher cipher, AuditTrail audit, ChangeLog changes, SnapshotReader entries, Clock clock) {
        this.db = db;
        this.servers = servers;
        this.grants = grants;
        this.policies = policies;
        this.cipher = cipher;
        this.audit = audit;
        this.changes = changes;
        this.entries = entries;
        this.clock = clock;
    }

    public ImportResult load(byte[] body, Mode mode, Caller caller) {
        if (body == null || body.length == 0) {
            throw ProblemException.malformed("a body is required: the standalone configuration (YAML or JSON)",
                    List.of(new FieldError("", "required")));
        }
        ImportPlan plan = ImportPlan.of(body);
        return db.inTransaction(c -> {
            ImportResult.Builder result = new ImportResult.Builder(plan.version(), mode);
            List<FieldError> conflicts = conflicts(c, plan, mode);
            if (!conflicts.isEmpty()) {
                throw new ProblemException(409, "import-conflict", "Already in the store",
                        conflicts.size() + (conflicts.size() == 1 ? " entry" : " entries")
                                + " of the file already exist; nothing was imported"
                                + (mode == Mode.CREATE ? " (mode=replace overwrites them)" : ""), conflicts);
            }
            Instant now = clock.instant();
            // Policies first: grants refer to them, and servers to nothing.
            for (ImportPlan.PolicyRow p : plan.policies()) {
                policy(c, p, now, caller, result);
            }
            for (ImportPlan.ServerRow s : plan.servers()) {
                server(c, s, now, result);
            }
            for (ImportPlan.GrantRow g : plan.grants()) {
                grant(c, g, now, result);
            }
            ImportResult done = result.build(changes.revision(c));
            audit.record(c, caller, "import", "import", "warden.yaml@" + plan.version(), null, done);
            return done;
        });
    }

    /** Every entry of the file that collides with the store, each at its pointer (all of them, not the first). */
    private List<FieldError> conflicts(Connection c, ImportPlan plan, Mode mode) throws SQLException {
        List<FieldError> out = new ArrayList<>();
        if (mode == Mode.CREATE) {
            for (ImportPlan.PolicyRow p : plan.policies()) {
                if (policies.exists(c, p.name())) {
                    out.add(new FieldError(p.pointer(), "a policy '" + p.name() + "' already exists"));
                }
            }
            for (ImportPlan.ServerRow s : plan.servers()) {
                if (servers.find(c, s.id(), true).isPresent()) {
                    out.add(new FieldError(s.pointer() + "/id", "a server '" + s.id() + "' already exists"));
                }
            }
        }
        for (ImportPlan.GrantRow g : plan.grants()) {
            Optional<Grant> same = grants.find(c, g.id(), true);
            if (same.isPresent() && (mode == Mode.CREATE || same.get().revokedAt() != null)) {
                out.add(new FieldError(g.pointer() + "/id", "a grant '" + g.id() + "' already exists"
                        + (same.get().revokedAt() != null ? " and is revoked; a revoked grant is never reused" : "")));
            }
            Optional<String> holder = grantWithToken(c, g.tokenHash());
            if (holder.isPresent() && !holder.get().equals(g.id())) {
                // Never the hash itself in an answer: it names a live credential.
                out.add(new FieldError(g.pointer() + "/token_hash", "the same token is already used by grant '"
                        + holder.get() + "'"));
            }
        }
        return out;
    }

    private void policy(Connection c, ImportPlan.PolicyRow p, Instant now, Caller caller, ImportResult.Builder result)
            throws SQLException {
        String document = p.document().toString();
        String hash = CanonicalJson.hash(p.document());
        Optional<PolicyRepository.Head> head = policies.head(c, p.name(), true);
        if (head.isEmpty()) {
            policies.insertHead(c, new PolicyRepository.Head(p.name(), 1, now, caller.id()));
            policies.insertVersion(c, new PolicyVersion(p.name(), 1, document, hash, caller.id(), now, "imported"));
            result.created("policy", p.name());
        } else {
            PolicyVersion current = policies.version(c, p.name(), head.get().currentVersion()).orElseThrow();
            if (current.canonicalHash().equals(hash)) {
                result.unchanged("policy", p.name());
                return;
            }
            int next = policies.latestVersion(c, p.name()) + 1;
            policies.insertVersion(c, new PolicyVersion(p.name(), next, document, hash, caller.id(), now, "imported"));
            policies.setCurrent(c, p.name(), next);
            result.replaced("policy", p.name());
        }
        changes.policy(c, p.name(), entries.policy(c, p.name()).orElseThrow());
    }

    private void server(Connection c, ImportPlan.ServerRow s, Instant now, ImportResult.Builder result)
            throws SQLException {
        Optional<Server> old = servers.find(c, s.id(), true);
        if (old.isEmpty()) {
            servers.insert(c, new Server(s.id(), s.name(), s.url(), s.era(), s.http2(), now, now));
            result.created("server", s.id());
        } else {
            servers.update(c, new Server(s.id(), s.name(), s.url(), s.era(), s.http2(), old.get().createdAt(), now));
            for (SealedHeader h : servers.headers(c, s.id())) {
                servers.deleteHeader(c, s.id(), h.name()); // the file's headers are the whole set
            }
            result.replaced("server", s.id());
        }
        for (var h : s.headers().entrySet()) {
            String sealed = cipher.encrypt(h.getValue(), SecretCipher.headerContext(s.id(), h.getKey()));
            servers.putHeader(c, new SealedHeader(s.id(), h.getKey(), sealed, cipher.activeVersion()));
        }
        changes.server(c, s.id(), entries.server(c, s.id()).orElseThrow());
    }

    private void grant(Connection c, ImportPlan.GrantRow g, Instant now, ImportResult.Builder result)
            throws SQLException {
        Optional<Grant> old = grants.find(c, g.id(), true);
        Grant grant = new Grant(g.id(), g.label(), g.server(), g.policy(), g.tokenHash(), g.tags(),
                old.map(Grant::createdAt).orElse(now), old.isPresent() ? now : null, null, null);
        if (old.isEmpty()) {
            grants.insert(c, grant);
            result.created("grant", g.id());
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE grants SET label = ?, server_id = ?,"
                    + " policy_name = ?, token_hash = ?, tags = ?::jsonb, rotated_at = ?, expires_at = NULL"
                    + " WHERE id = ?")) {
                Sql.bind(ps, grant.label(), grant.serverId(), grant.policyName(), grant.tokenHash(),
                        tagsJson(grant), now, grant.id()).executeUpdate();
            }
            result.replaced("grant", g.id());
        }
        changes.grant(c, g.id(), SnapshotReader.grant(grant).orElseThrow());
    }

    private Optional<String> grantWithToken(Connection c, String tokenHash) throws SQLException {
        try (PreparedStatement ps = Sql.bind(c.prepareStatement("SELECT id FROM grants WHERE token_hash = ?"),
                tokenHash); var rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    private static String tagsJson(Grant g) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(new java.util.TreeMap<>(g.tags()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
