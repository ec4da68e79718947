package io.warden.policyservice.approvals;

import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.crypto.SecretCipher;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The approval lifecycle, protocol-free: open (idempotently), read, decide (operator or user), spend once, expire.
 * Each operation is one transaction; every decision writes its admin audit entry and its NOTIFY in that same
 * transaction, so a decision, its record and its announcement to every replica commit together or not at all.
 */
@ApplicationScoped
public class ApprovalManager {
    private static final Logger LOG = Logger.getLogger(ApprovalManager.class);
    static final String ENTITY = "approval";
    static final Pattern ID = Pattern.compile("apr_[A-Za-z0-9_-]{22}");
    static final Caller EXPIRY = new Caller("system:approvals", "Approval expiry", Role.ADMIN);
    private static final int SWEEP_BATCH = 500;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a decision did not happen. */
    public enum Refusal { NOT_FOUND, NOT_PENDING, NOT_FOR_USER }

    /** A decision's outcome: the approval as it is now, and the refusal when it was not decided by this call. */
    public record Decision(Optional<Approval> approval, Refusal refusal) {
        public boolean decided() {
            return refusal == null;
        }
    }

    /** A spend's outcome; {@code refusal} is one of the contract's words, empty when consumed. */
    public record Spend(boolean consumed, ApprovalState state, String refusal) {
    }

    private final Database db;
    private final ApprovalRepository approvals;
    private final AuditTrail audit;
    private final SecretCipher cipher;
    private final WebhookOutbox outbox;
    private final PolicyServiceConfig.Approvals config;

    public ApprovalManager(Database db, ApprovalRepository approvals, AuditTrail audit, SecretCipher cipher,
                           WebhookOutbox outbox, PolicyServiceConfig config) {
        this.db = db;
        this.approvals = approvals;
        this.audit = audit;
        this.cipher = cipher;
        this.outbox = outbox;
        this.config = config.approvals();
    }

    /** A checked request from a gateway; {@code argumentsJson} may be empty. */
    public record Ask(String gatewayId, String requestId, String grantId, String grantLabel, String serverId,
                      String tool, String argumentDigest, List<String> argumentKeys, String argumentsJson,
                      String policyId, int policyVersion, String rule, String reason, long timeoutMillis,
                      Approver approver) {
    }

    /** What {@link #open} did: the live approval, and whether this call created it. */
    public record Opened(Approval approval, boolean created) {
    }

    /**
     * The live approval of this exact call, opening one when there is none; a denial of this exact call that still
     * stands (until the denied approval's expiry) is returned instead, so a retry is told the decision. The insert and the lookup race safely:
     * the unique index on live rows makes a concurrent second insert a no-op that then finds the first.
     */
    public Opened open(Ask ask) {
        String id = "apr_" + randomId();
        long timeout = ask.timeoutMillis() <= 0 ? config.defaultTimeout().toMillis()
                : Math.min(ask.timeoutMillis(), config.maxTimeout().toMillis());
        String sealed = ask.argumentsJson().isEmpty()
                || ask.argumentsJson().getBytes(StandardCharsets.UTF_8).length > config.maxArgumentsBytes()
                ? null : cipher.encrypt(ask.argumentsJson(), Approval.sealContext(id));
        ApprovalRepository.NewApproval row = new ApprovalRepository.NewApproval(id, ask.grantId(), ask.grantLabel(),
                ask.serverId(), ask.tool(), ask.argumentDigest(), ask.argumentKeys(), sealed, ask.policyId(),
                ask.policyVersion(), ask.rule(), ask.reason(), ask.approver(), timeout, ask.requestId(),
                ask.gatewayId());
        return db.inTransaction(c -> {
            expired(c, approvals.expireOverdueCall(c, ask.grantId(), ask.serverId(), ask.tool(),
                    ask.argumentDigest()));
            Optional<Approval> denial = approvals.findStandingDenial(c, ask.grantId(), ask.serverId(), ask.tool(),
                    ask.argumentDigest());
            if (denial.isPresent()) {
                return new Opened(denial.get(), false);
            }
            Optional<Approval> inserted = approvals.insertUnlessLive(c, row);
            if (inserted.isPresent()) {
                outbox.enqueue(c, inserted.get());
                LOG.infof("approval %s opened for grant %s, tool %s on %s (rule %s)", id, ask.grantId(), ask.tool(),
                        ask.serverId(), ask.rule());
                return new Opened(inserted.get(), true);
            }
            // a live row conflicted; it is committed and visible to this new statement
            return new Opened(approvals.findLive(c, ask.grantId(), ask.serverId(), ask.tool(), ask.argumentDigest())
                    .orElseThrow(() -> new IllegalStateException("live approval vanished; the gateway retries")),
                    false);
        });
    }

    /** One approval as it stands (an overdue one is expired first). */
    public Optional<Approval> get(String id) {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return db.inTransaction(c -> {
            expired(c, approvals.expireOverdue(c, id, 1));
            return approvals.find(c, id);
        });
    }

    public List<Approval> list(ApprovalState state, String grant, int limit) {
        return db.inTransaction(c -> {
            expired(c, approvals.expireOverdue(c, null, SWEEP_BATCH));
            return approvals.list(c, state, grant, limit);
        });
    }

    /** An operator's decision (policy_manager or admin). */
    public Decision decide(String id, boolean approve, String comment, Caller operator) {
        return decide(id, approve, comment, operator.id(), operator, null);
    }

    /** The agent's user's answer: decides only where the rule named the user as approver, for that grant. */
    public Decision answerAsUser(String id, String grantId, boolean approve, String comment) {
        Caller user = new Caller("user:" + grantId, "the agent's user", Role.VIEWER);
        return decide(id, approve, comment, "user", user, grantId);
    }

    private Decision decide(String id, boolean approve, String comment, String decidedBy, Caller actor,
                            String userGrant) {
        if (!ID.matcher(id).matches()) {
            return new Decision(Optional.empty(), Refusal.NOT_FOUND);
        }
        return db.inTransaction(c -> {
            expired(c, approvals.expireOverdue(c, id, 1));
            Optional<Approval> decided = approvals.decide(c, id,
                    approve ? ApprovalState.APPROVED : ApprovalState.DENIED, decidedBy, blankToNull(comment),
                    userGrant);
            if (decided.isPresent()) {
                announce(c, actor, approve ? "approve" : "deny", decided.get());
                return new Decision(decided, null);
            }
            Optional<Approval> current = approvals.find(c, id);
            if (current.isEmpty() || (userGrant != null && !current.get().grantId().equals(userGrant))) {
                return new Decision(Optional.empty(), Refusal.NOT_FOUND); // another grant's approval is not shown
            }
            return new Decision(current, current.get().state() == ApprovalState.PENDING ? Refusal.NOT_FOR_USER
                    : Refusal.NOT_PENDING);
        });
    }

    /** Spends an approved approval for exactly this call, at most once across every replica. */
    public Spend consume(String id, String grant, String server, String tool, String digest, String gatewayId) {
        if (!ID.matcher(id).matches()) {
            return new Spend(false, null, "not_found");
        }
        return db.inTransaction(c -> {
            if (approvals.consume(c, id, grant, server, tool, digest, gatewayId).isPresent()) {
                return new Spend(true, ApprovalState.USED, "");
            }
            expired(c, approvals.expireOverdue(c, id, 1));
            Optional<Approval> current = approvals.find(c, id);
            if (current.isEmpty()) {
                return new Spend(false, null, "not_found");
            }
            Approval a = current.get();
            if (!a.sameCall(grant, server, tool, digest)) {
                return new Spend(false, null, "mismatch"); // says nothing about another call's approval
            }
            return new Spend(false, a.state(), switch (a.state()) {
                case USED -> "already_used";
                case EXPIRED -> "expired";
                default -> "not_approved";
            });
        });
    }

    /** Expires what is overdue, in batches; returns how many. */
    public int sweep() {
        int total = 0;
        int n;
        do {
            n = db.inTransaction(c -> expired(c, approvals.expireOverdue(c, null, SWEEP_BATCH)));
            total += n;
        } while (n == SWEEP_BATCH);
        return total;
    }

    /** How many approvals wait for a decision, across all replicas (they share the table). */
    public long pendingCount() {
        return db.read(approvals::countPending);
    }

    /**
     * Decrypted arguments of a pending approval, for approvers; empty once dropped, and empty (logged) when they do
     * not open, e.g. sealed with a key version since removed: the approval stays decidable on its keys and digest.
     */
    public Optional<String> arguments(Approval a) {
        if (a.argumentsSealed() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(cipher.decrypt(a.argumentsSealed(), Approval.sealContext(a.id())));
        } catch (RuntimeException e) {
            LOG.warnf("approval %s: arguments not shown, they do not decrypt (%s)", a.id(), e.getMessage());
            return Optional.empty();
        }
    }

    private int expired(Connection c, List<Approval> rows) throws SQLException {
        for (Approval a : rows) {
            announce(c, EXPIRY, "expire", a);
        }
        return rows.size();
    }

    private void announce(Connection c, Caller actor, String action, Approval after) throws SQLException {
        audit.record(c, actor, action, ENTITY, after.id(), null, ApprovalView.of(after, null));
        approvals.notifyDecision(c, after.id());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String randomId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
