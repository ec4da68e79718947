package io.warden.policyservice.members;

import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.security.ApiKeys;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.security.SecureRandom;

@ApplicationScoped
public class MemberService {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ENTITY = "member";

    private final Database db;
    private final MemberRepository members;
    private final AuditTrail audit;
    private final Clock clock;

    public MemberService(Database db, MemberRepository members, AuditTrail audit, Clock clock) {
        this.db = db;
        this.members = members;
        this.audit = audit;
        this.clock = clock;
    }

    public MintedMember create(MemberInput input, Caller caller) {
        if (input == null) {
            throw ProblemException.malformed("a JSON body is required", List.of());
        }
        Checks checks = new Checks().text(input.label(), "/label", 200);
        Role role = input.role() == null ? null : Role.fromWire(input.role());
        if (checks.present(input.role(), "/role")) {
            checks.require(role != null, "/role", "must be one of " + Role.spellings());
        }
        checks.orThrow();
        String key = ApiKeys.mint();
        Member member = new Member(newId(), input.label(), role, ApiKeys.hash(key), clock.instant(), caller.id(), null);
        db.inTransaction(c -> {
            members.insert(c, member);
            audit.record(c, caller, "create", ENTITY, member.id(), null, member.view());
            return null;
        });
        return new MintedMember(member.view(), key);
    }

    public List<MemberView> list() {
        return db.read(members::list).stream().map(Member::view).toList();
    }

    public MemberView get(String id) {
        return db.read(c -> members.find(c, id, false)).map(Member::view)
                .orElseThrow(() -> ProblemException.notFound(ENTITY, id));
    }

    /** Revoking is final: the key stops working at once and the member stays listed as revoked. */
    public MemberView revoke(String id, Caller caller) {
        return db.inTransaction(c -> {
            Member before = members.find(c, id, true).orElseThrow(() -> ProblemException.notFound(ENTITY, id));
            if (before.revokedAt() != null) {
                throw ProblemException.conflict("member '" + id + "' is already revoked");
            }
            members.revoke(c, id, clock.instant());
            MemberView after = members.find(c, id, false).orElseThrow().view();
            audit.record(c, caller, "revoke", ENTITY, id, before.view(), after);
            return after;
        });
    }

    private static String newId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return "mem_" + HexFormat.of().formatHex(bytes);
    }
}
