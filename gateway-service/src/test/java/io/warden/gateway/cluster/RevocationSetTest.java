package io.warden.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.ratelimit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RevocationSetTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final RevocationSet set = new RevocationSet(clock);
    final long now = clock.instant().getEpochSecond();

    @Test
    void aRevokedTokenIsRefusedUntilItsExpiryAndOthersAreNot() {
        set.revoke("g", "token-a", now + 60);
        assertTrue(set.revoked("token-a"));
        assertFalse(set.revoked("token-b"));
        clock.advance(Duration.ofSeconds(59));
        assertTrue(set.revoked("token-a"));
        clock.advance(Duration.ofSeconds(1));
        assertFalse(set.revoked("token-a"), "past its expiry the token is refused by the codec anyway");
    }

    @Test
    void alreadyExpiredRevocationsAreNotKeptAndPruneDropsExpiredOnes() {
        set.revoke("g", "old", now);
        assertEquals(0, set.size());
        set.revoke("g", "short", now + 10);
        set.revoke("g", "long", now + 100);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, set.prune());
        assertTrue(set.revoked("long"));
    }

    @Test
    void addsPruneByThemselvesSoTheSetStaysBounded() {
        for (int i = 0; i < 1000; i++) {
            set.revoke("g", "t" + i, now + 1);
        }
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 1000; i++) {
            set.revoke("g", "u" + i, now + 100);
        }
        assertTrue(set.size() < 1500, "expired entries were dropped along the way: " + set.size());
    }

    @Test
    void aLaterExpiryWinsOverAnEarlierOne() {
        set.add("fp", "g", now + 100);
        set.add("fp", "g", now + 10);
        clock.advance(Duration.ofSeconds(50));
        assertEquals(1, set.prune());
    }

    @Test
    void fingerprintsAreShortStableAndDistinct() {
        String a = RevocationSet.fingerprint("token-a");
        assertEquals(22, a.length(), "16 bytes in unpadded base64");
        assertEquals(a, RevocationSet.fingerprint("token-a"));
        assertNotEquals(a, RevocationSet.fingerprint("token-b"));
    }

    @Test
    void eachGrantsRevocationsAreCountedUntilTheyExpire() {
        set.revoke("g1", "a", now + 10);
        set.revoke("g1", "b", now + 100);
        set.revoke("g1", "b", now + 100); // the same session twice is held once
        set.revoke("g2", "c", now + 100);
        assertEquals(new RevocationSet.Holding(2, 10), set.heldBy("g1"));
        assertEquals(1, set.heldBy("g2").count());
        assertEquals(0, set.heldBy("g3").count());

        clock.advance(Duration.ofSeconds(10));
        RevocationSet.Holding after = set.heldBy("g1");
        assertEquals(1, after.count(), "an expired revocation no longer counts against its grant");
        assertEquals(90, after.firstExpiresInSeconds());
        assertTrue(set.revoked("b"));
    }

    @Test
    void entriesOfNoGrantAreHeldButCountForNobody() {
        set.add("fp", RevocationSet.NO_GRANT, now + 100);
        assertEquals(1, set.size());
        assertEquals(0, set.heldBy("").count());
    }

    @Test
    void aGrantKeyIsAShortDigestNotTheGrantId() {
        String k = RevocationSet.grantKey("team a");
        assertEquals(11, k.length(), "8 bytes in unpadded base64");
        assertFalse(k.contains(" "));
    }
}
