package io.warden.gateway.auth;

import io.warden.api.GrantTokens;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.Grant;
import java.util.Locale;
import java.util.Optional;

/**
 * Resolves {@code Authorization: Bearer <grant token>} to a grant of the requested server. The token is
 * hashed first, so lookups and comparisons only ever see hashes; the final comparison is constant-time.
 */
public final class GrantAuthenticator {

    public enum Failure { MISSING, UNKNOWN, WRONG_SERVER, EXPIRED }

    public record Result(Grant grant, Failure failure) {
        public boolean ok() {
            return grant != null && failure == null;
        }
    }

    private GrantAuthenticator() {}

    public static Result authenticate(String authorization, String serverId, GatewaySnapshot snapshot) {
        return authenticate(authorization, serverId, snapshot, System.currentTimeMillis());
    }

    /** As above, at {@code nowMillis}: a grant past its expiry is refused like an unknown one, whatever the snapshot. */
    public static Result authenticate(String authorization, String serverId, GatewaySnapshot snapshot, long nowMillis) {
        String token = bearer(authorization);
        if (token == null) {
            return new Result(null, Failure.MISSING);
        }
        String hash = GrantTokens.hash(token);
        Optional<Grant> grant = snapshot.grantByTokenHash(hash);
        if (grant.isEmpty() || !GrantTokens.sameHash(hash, grant.get().tokenHash())) {
            return new Result(null, Failure.UNKNOWN);
        }
        if (grant.get().expiredAt(nowMillis)) {
            return new Result(null, Failure.EXPIRED);
        }
        if (!grant.get().serverId().equals(serverId)) {
            return new Result(null, Failure.WRONG_SERVER);
        }
        return new Result(grant.get(), null);
    }

    static String bearer(String header) {
        if (header == null || header.length() < 8 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() || token.length() > 512 ? null : token;
    }
}
