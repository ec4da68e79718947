package io.warden.policyservice.policies;

import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.web.BodyLimitFilter;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.FieldError;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * Policies and their versions. Every document saved has compiled with policy-engine (the one validator: its
 * problems and messages are passed on unchanged); versions are never changed or removed, a rollback is a new
 * version with an older document.
 */
@ApplicationScoped
public class PolicyService {
    private static final String ENTITY = "policy";

    private final Database db;
    private final PolicyRepository policies;
    private final AuditTrail audit;
    private final Clock clock;
    private final int maxBodyBytes;
    private final ChangeLog changes;
    private final SnapshotReader entries;

    public PolicyService(Database db, PolicyRepository policies, AuditTrail audit, Clock clock,
                         PolicyServiceConfig config, ChangeLog changes, SnapshotReader entries) {
        this.changes = changes;
        this.entries = entries;
        this.db = db;
        this.policies = policies;
        this.audit = audit;
        this.clock = clock;
        this.maxBodyBytes = config.api().maxBodyBytes();
    }

    /** Compiles without saving: valid, or every problem with its pointer and the engine's message. */
    public PolicyViews.Validation validate(String document) {
        BodyLimitFilter.check(document, maxBodyBytes);
        CompileResult result = PolicyCompiler.compile(document);
        return new PolicyViews.Validation(result.ok(), errors(result));
    }

    public PolicyViews.Version create(String name, String document, Caller caller) {
        checkName(name);
        String hash = compiledHash(document);
        return db.inTransaction(c -> {
            if (policies.exists(c, name)) {
                throw ProblemException.duplicate(ENTITY, name);
            }
            PolicyVersion first = new PolicyVersion(name, 1, document, hash, caller.id(), clock.instant(), null);
            policies.insertHead(c, new PolicyRepository.Head(name, 1, first.createdAt(), caller.id()));
            policies.insertVersion(c, first);
            PolicyViews.Version after = view(first, true);
            audit.record(c, caller, "create", ENTITY, name, null, after);
            changes.policy(c, name, entries.policy(c, name).orElseThrow());
            return after;
        });
    }

    public PolicyViews.Version addVersion(String name, String document, Caller caller) {
        String hash = compiledHash(document);
        return db.inTransaction(c -> save(c, name, document, hash, null, "new-version", caller));
    }

    /** Makes an older version's document current again, as a new version (history is never rewritten). */
    public PolicyViews.Version rollback(String name, PolicyViews.Rollback request, Caller caller) {
        if (request == null || request.version() == null) {
            throw ProblemException.invalid(List.of(new FieldError("/version", "required")));
        }
        int target = request.version();
        return db.inTransaction(c -> {
            PolicyRepository.Head head = lockHead(c, name);
            PolicyVersion old = policies.version(c, name, target).orElseThrow(() -> ProblemException.invalid(
                    List.of(new FieldError("/version", "policy '" + name + "' has no version " + target))));
            if (head.currentVersion() == target) {
                throw ProblemException.conflict("version " + target + " of policy '" + name + "' is already current");
            }
            String hash = compiledHash(old.document()); // the engine may have grown stricter since
            return save(c, name, old.document(), hash, "rollback to version " + target, "rollback", caller);
        });
    }

    public List<PolicyViews.Summary> list() {
        return db.read(policies::summaries);
    }

    public PolicyViews.Version current(String name) {
        return db.read(c -> {
            PolicyRepository.Head head = policies.head(c, name, false)
                    .orElseThrow(() -> ProblemException.notFound(ENTITY, name));
            return view(policies.version(c, name, head.currentVersion()).orElseThrow(), true);
        });
    }

    public List<PolicyViews.VersionInfo> versions(String name) {
        return db.read(c -> {
            PolicyRepository.Head head = policies.head(c, name, false)
                    .orElseThrow(() -> ProblemException.notFound(ENTITY, name));
            return policies.versions(c, name).stream().map(v -> new PolicyViews.VersionInfo(v.version(),
                    v.canonicalHash(), v.author(), v.createdAt(), v.note(), v.version() == head.currentVersion()))
                    .toList();
        });
    }

    public PolicyViews.Version version(String name, int version) {
        return db.read(c -> {
            PolicyRepository.Head head = policies.head(c, name, false)
                    .orElseThrow(() -> ProblemException.notFound(ENTITY, name));
            PolicyVersion v = policies.version(c, name, version)
                    .orElseThrow(() -> ProblemException.notFound("version of policy '" + name + "'", "" + version));
            return view(v, version == head.currentVersion());
        });
    }

    public PolicyViews.Diff diff(String name, int from, int to) {
        PolicyViews.Version a = version(name, from);
        PolicyViews.Version b = version(name, to);
        return new PolicyViews.Diff(name, from, to, JsonDiff.diff(a.document(), b.document()));
    }

    private PolicyViews.Version save(Connection c, String name, String document, String hash, String note,
                                     String action, Caller caller) throws SQLException {
        PolicyRepository.Head head = lockHead(c, name);
        PolicyVersion current = policies.version(c, name, head.currentVersion()).orElseThrow();
        PolicyVersion next = new PolicyVersion(name, policies.latestVersion(c, name) + 1, document, hash, caller.id(),
                clock.instant(), note);
        policies.insertVersion(c, next);
        policies.setCurrent(c, name, next.version());
        PolicyViews.Version after = view(next, true);
        audit.record(c, caller, action, ENTITY, name, view(current, false), after);
        changes.policy(c, name, entries.policy(c, name).orElseThrow());
        return after;
    }

    private PolicyRepository.Head lockHead(Connection c, String name) throws SQLException {
        return policies.head(c, name, true).orElseThrow(() -> ProblemException.notFound(ENTITY, name));
    }

    /**
     * The canonical hash of a document that compiles; otherwise the engine's problems: 400 when the body is not a
     * JSON document at all, 422 when it is JSON but not a valid policy.
     */
    private String compiledHash(String document) {
        BodyLimitFilter.check(document, maxBodyBytes);
        CompileResult result = PolicyCompiler.compile(document);
        if (!result.ok()) {
            List<FieldError> errors = errors(result);
            boolean notJson = errors.size() == 1 && errors.get(0).pointer().isEmpty()
                    && (errors.get(0).message().startsWith("not valid JSON")
                    || errors.get(0).message().startsWith("empty document"));
            throw notJson ? ProblemException.malformed(errors.get(0).message(), errors)
                    : ProblemException.policyInvalid(errors);
        }
        return CanonicalJson.hash(CanonicalJson.parse(document));
    }

    private static List<FieldError> errors(CompileResult result) {
        return result.problems().stream().map(p -> new FieldError(p.pointer(), p.message())).toList();
    }

    private static void checkName(String name) {
        new Checks().policyName(name, "/name").orThrow();
    }

    private static PolicyViews.Version view(PolicyVersion v, boolean current) {
        return new PolicyViews.Version(v.policyName(), v.version(), v.canonicalHash(), v.author(), v.createdAt(),
                v.note(), current, CanonicalJson.parse(v.document()));
    }
}
