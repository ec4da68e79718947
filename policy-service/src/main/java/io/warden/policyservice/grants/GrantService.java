package io.warden.policyservice.grants;

import io.warden.api.GrantTokens;
import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.policies.PolicyRepository;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import io.warden.policyservice.servers.ServerRepository;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.FieldError;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Grants: a token is minted (or rotated) here, returned once in that answer and stored only as its hash in the
 * gateway's format ({@link GrantTokens#hash}).
 */
@ApplicationScoped
public class GrantService {
    private static final String ENTITY = "grant";
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_TAGS = 32;

    private final Database db;
    private final GrantRepository grants;
    private final ServerRepository servers;
    private final PolicyRepository policies;
    private final AuditTrail audit;
    private final Clock clock;
    private final ChangeLog changes;

    public GrantService(Database db, GrantRepository grants, ServerRepository servers, PolicyRepository policies,
                        AuditTrail audit, Clock clock, ChangeLog changes) {
        this.changes = changes;
        this.db = db;
        this.grants = grants;
        this.servers = servers;
        this.policies = policies;
        this.audit = audit;
        this.clock = clock;
    }

    public MintedGrant mint(GrantInput input, Caller caller) {
        if (input == null) {
            throw ProblemException.malformed("a JSON body is required", List.of(new FieldError("", "required")));
        }
        Instant now = clock.instant();
        Checks checks = new Checks().id(input.id(), "/id").text(input.label(), "/label", 200);
        checks.present(input.server(), "/server");
        checks.policyName(input.policy(), "/policy");
        checkTags(checks, input.tags());
        if (input.expiresAt() != null) {
            checks.require(input.expiresAt().isAfter(now), "/expires_at", "must be in the future");
        }
        checks.orThrow();
        String token = GrantTokens.mint();
        Grant grant = new Grant(input.id(), input.label(), input.server(), input.policy(), GrantTokens.hash(token),
                input.tags() == null ? Map.of() : input.tags(), now, null, null, input.expiresAt());
        GrantView view = db.inTransaction(c -> {
            if (grants.find(c, grant.id(), true).isPresent()) {
                throw ProblemException.duplicate(ENTITY, grant.id());
            }
            Checks refs = new Checks();
            refs.require(servers.find(c, grant.serverId(), false).isPresent(), "/server",
                    "no server '" + grant.serverId() + "'");
            if (grant.policyName() != null) {
                refs.require(policies.exists(c, grant.policyName()), "/policy",
                        "no policy '" + grant.policyName() + "'");
            }
            refs.orThrow();
            grants.insert(c, grant);
            GrantView after = grant.view(now);
            audit.record(c, caller, "mint", ENTITY, grant.id(), null, after);
            changes.grant(c, grant.id(), SnapshotReader.grant(grant).orElseThrow());
            return after;
        });
        return new MintedGrant(view, token);
    }

    public List<GrantView> list(String serverId) {
        Instant now = clock.instant();
        return db.read(c -> grants.list(c, serverId)).stream().map(g -> g.view(now)).toList();
    }

    public GrantView get(String id) {
        return db.read(c -> load(c, id, false)).view(clock.instant());
    }

    /** A new token replaces the old one at once; the old token stops working with the next snapshot. */
    public MintedGrant rotate(String id, Caller caller) {
        String token = GrantTokens.mint();
        Instant now = clock.instant();
        GrantView view = db.inTransaction(c -> {
            Grant before = usable(c, id);
            grants.rotate(c, id, GrantTokens.hash(token), now);
            Grant rotated = load(c, id, false);
            GrantView after = rotated.view(now);
            audit.record(c, caller, "rotate", ENTITY, id, before.view(now), after);
            changes.grant(c, id, SnapshotReader.grant(rotated).orElseThrow());
            return after;
        });
        return new MintedGrant(view, token);
    }

    public GrantView revoke(String id, Caller caller) {
        Instant now = clock.instant();
        return db.inTransaction(c -> {
            Grant before = load(c, id, true);
            if (before.revokedAt() != null) {
                throw ProblemException.conflict("grant '" + id + "' is already revoked");
            }
            grants.revoke(c, id, now);
            GrantView after = load(c, id, false).view(now);
            audit.record(c, caller, "revoke", ENTITY, id, before.view(now), after);
            changes.grant(c, id, null);
            return after;
        });
    }

    public GrantView attach(String id, PolicyAttachment attachment, Caller caller) {
        if (attachment == null) {
            throw ProblemException.malformed("a JSON body is required", List.of(new FieldError("", "required")));
        }
        new Checks().policyName(attachment.policy(), "/policy").orThrow();
        Instant now = clock.instant();
        return db.inTransaction(c -> {
            Grant before = usable(c, id);
            if (attachment.policy() != null && !policies.exists(c, attachment.policy())) {
                throw ProblemException.invalid(List.of(new FieldError("/policy",
                        "no policy '" + attachment.policy() + "'")));
            }
            grants.attach(c, id, attachment.policy());
            Grant attached = load(c, id, false);
            GrantView after = attached.view(now);
            audit.record(c, caller, "attach-policy", ENTITY, id, before.view(now), after);
            changes.grant(c, id, SnapshotReader.grant(attached).orElseThrow());
            return after;
        });
    }

    private Grant usable(Connection c, String id) throws SQLException {
        Grant grant = load(c, id, true);
        if (grant.revokedAt() != null) {
            throw ProblemException.conflict("grant '" + id + "' is revoked");
        }
        return grant;
    }

    private Grant load(Connection c, String id, boolean forUpdate) throws SQLException {
        return grants.find(c, id, forUpdate).orElseThrow(() -> ProblemException.notFound(ENTITY, id));
    }

    public static void checkTags(Checks checks, Map<String, String> tags) {
        if (tags == null) {
            return;
        }
        checks.require(tags.size() <= MAX_TAGS, "/tags", "at most " + MAX_TAGS + " tags");
        tags.forEach((key, value) -> {
            String pointer = "/tags/" + Checks.escape(key);
            checks.require(TAG_KEY.matcher(key).matches(), pointer,
                    "tag names are 1 to 64 letters, digits, '_', '.' or '-'");
            checks.require(value != null && value.length() <= 256, pointer, "a text of at most 256 characters");
        });
    }
}
