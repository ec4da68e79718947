package io.warden.policyservice.security;

import io.warden.api.GrantTokens;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.members.MemberRepository;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Turns an API key into a caller: the bootstrap admin key from configuration, or an unrevoked member's key found
 * by its hash. Only hashes are compared, in constant time.
 */
@ApplicationScoped
public class Authenticator {
    private static final int MIN_BOOTSTRAP_LENGTH = 24;

    private final Optional<String> bootstrapHash;
    private final Database db;
    private final MemberRepository members;

    public Authenticator(PolicyServiceConfig config, Database db, MemberRepository members) {
        this.db = db;
        this.members = members;
        this.bootstrapHash = config.bootstrapAdminKey().filter(k -> !k.isBlank()).map(key -> {
            if (key.length() < MIN_BOOTSTRAP_LENGTH) {
                throw new IllegalStateException("warden.policy.bootstrap-admin-key must be at least "
                        + MIN_BOOTSTRAP_LENGTH + " characters (generate one with `openssl rand -base64 32`)");
            }
            return ApiKeys.hash(key);
        });
    }

    public Optional<Caller> authenticate(String key) {
        String hash = ApiKeys.hash(key);
        if (bootstrapHash.isPresent() && GrantTokens.sameHash(hash, bootstrapHash.get())) {
            return Optional.of(new Caller(Caller.BOOTSTRAP_ID, "bootstrap admin key", Role.ADMIN));
        }
        return db.read(c -> members.findActiveByKeyHash(c, hash))
                .filter(m -> GrantTokens.sameHash(hash, m.keyHash()))
                .map(m -> new Caller(m.id(), m.label(), m.role()));
    }
}
