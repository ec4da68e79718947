package io.warden.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.Grant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrantAuthenticatorTest {

    private static final long EXPIRY = 1_800_000_000_000L;
    private static final String TOKEN = "wdn_expiring";
    private static final String FOREVER = "wdn_forever";

    private final GatewaySnapshot snapshot = new GatewaySnapshot("r1", Map.of(), Map.of(
            GrantTokens.hash(TOKEN), new Grant("g1", "g1", "s1", GrantTokens.hash(TOKEN), null, Map.of(), EXPIRY),
            GrantTokens.hash(FOREVER), new Grant("g2", "g2", "s1", GrantTokens.hash(FOREVER), null, Map.of())), Map.of());

    @Test
    void aGrantWorksUntilItsExpiryEvenWhileTheSnapshotStaysTheSame() {
        GrantAuthenticator.Result before = GrantAuthenticator.authenticate("Bearer " + TOKEN, "s1", snapshot, EXPIRY - 1);
        assertTrue(before.ok());

        GrantAuthenticator.Result at = GrantAuthenticator.authenticate("Bearer " + TOKEN, "s1", snapshot, EXPIRY);
        assertNull(at.grant());
        assertEquals(GrantAuthenticator.Failure.EXPIRED, at.failure());
    }

    @Test
    void aGrantWithoutExpiryNeverExpiresAndOtherFailuresKeepTheirNames() {
        assertTrue(GrantAuthenticator.authenticate("Bearer " + FOREVER, "s1", snapshot, Long.MAX_VALUE).ok());
        assertEquals(GrantAuthenticator.Failure.WRONG_SERVER,
                GrantAuthenticator.authenticate("Bearer " + FOREVER, "s2", snapshot, 0).failure());
        assertEquals(GrantAuthenticator.Failure.UNKNOWN,
                GrantAuthenticator.authenticate("Bearer wdn_nobody", "s1", snapshot, 0).failure());
        assertEquals(GrantAuthenticator.Failure.MISSING, GrantAuthenticator.authenticate(null, "s1", snapshot, 0).failure());
    }
}
