package io.warden.gateway.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.session.SessionKeys;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateSealTest {

    static final Instant NOW = Instant.parse("2026-07-28T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String KEY_A = SessionKeys.generate();
    static final String KEY_B = SessionKeys.generate();

    static ApprovalTicket ticket(long expiresAt) {
        return new ApprovalTicket("grant-1", "github", "delete_repo", "hmac-sha256:aa", "apr_1", expiresAt,
                StateSeal.newNonce(), "upstream-state", "{\"confirm\":{\"action\":\"accept\"}}");
    }

    final StateSeal seal = StateSeal.fromSessionKeys(List.of(KEY_A), CLOCK);

    @Test
    void opensWhatItSealedForTheSameCall() {
        ApprovalTicket t = ticket(NOW.toEpochMilli() + 60_000);
        String state = seal.seal(t);
        assertTrue(state.startsWith(StateSeal.PREFIX));
        StateSeal.Opened o = seal.open(state, "grant-1", "github", "delete_repo", "hmac-sha256:aa");
        assertTrue(o.valid());
        assertEquals(t, o.ticket());
        assertFalse(state.contains("grant-1"), "the state is encrypted, not only signed");
    }

    @Test
    void everyStateIsUnique() {
        ApprovalTicket t = ticket(NOW.toEpochMilli() + 60_000);
        assertNotEquals(seal.seal(t), seal.seal(t));
    }

    @Test
    void aTamperedStateIsForged() {
        String state = seal.seal(ticket(NOW.toEpochMilli() + 60_000));
        byte[] bytes = Base64.getUrlDecoder().decode(state.substring(StateSeal.PREFIX.length()));
        for (int i : new int[] {0, 5, 20, bytes.length - 1}) { // key id, nonce, ciphertext, tag
            byte[] copy = bytes.clone();
            copy[i] ^= 1;
            String tampered = StateSeal.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(copy);
            StateSeal.Opened o = seal.open(tampered, "grant-1", "github", "delete_repo", "hmac-sha256:aa");
            assertNull(o.ticket());
            assertEquals(StateSeal.Refusal.FORGED, o.refusal(), "byte " + i);
        }
    }

    @Test
    void anotherGatewaysKeyIsForged() {
        String state = StateSeal.fromSessionKeys(List.of(KEY_B), CLOCK).seal(ticket(NOW.toEpochMilli() + 60_000));
        assertEquals(StateSeal.Refusal.FORGED, seal.open(state, "grant-1", "github", "delete_repo", "hmac-sha256:aa").refusal());
    }

    @Test
    void rotationOpensStatesOfTheOldKey() {
        String old = seal.seal(ticket(NOW.toEpochMilli() + 60_000));
        StateSeal rotated = StateSeal.fromSessionKeys(List.of(KEY_B, KEY_A), CLOCK);
        assertTrue(rotated.open(old, "grant-1", "github", "delete_repo", "hmac-sha256:aa").valid());
        String fresh = rotated.seal(ticket(NOW.toEpochMilli() + 60_000));
        assertEquals(StateSeal.Refusal.FORGED, seal.open(fresh, "grant-1", "github", "delete_repo", "hmac-sha256:aa").refusal(),
                "the old key alone does not open what the new key sealed");
    }

    @Test
    void anExpiredStateIsRefused() {
        String state = seal.seal(ticket(NOW.toEpochMilli()));
        assertEquals(StateSeal.Refusal.EXPIRED, seal.open(state, "grant-1", "github", "delete_repo", "hmac-sha256:aa").refusal());
    }

    @Test
    void anotherGrantOrAnotherCallIsRefused() {
        String state = seal.seal(ticket(NOW.toEpochMilli() + 60_000));
        assertEquals(StateSeal.Refusal.OTHER_GRANT, seal.open(state, "grant-2", "github", "delete_repo", "hmac-sha256:aa").refusal());
        assertEquals(StateSeal.Refusal.OTHER_CALL, seal.open(state, "grant-1", "github", "delete_repo", "hmac-sha256:bb").refusal());
        assertEquals(StateSeal.Refusal.OTHER_CALL, seal.open(state, "grant-1", "github", "create_repo", "hmac-sha256:aa").refusal());
        assertEquals(StateSeal.Refusal.OTHER_CALL, seal.open(state, "grant-1", "gitlab", "delete_repo", "hmac-sha256:aa").refusal());
    }

    @Test
    void junkIsMalformedNeverAnException() {
        for (String junk : new String[] {null, "", "wa1.", "wa1.!!!", "wa1.AAAA", "upstream-state", "wa1." + "A".repeat(StateSeal.MAX_CHARS)}) {
            StateSeal.Opened o = seal.open(junk, "grant-1", "github", "delete_repo", "hmac-sha256:aa");
            assertFalse(o.valid());
            assertEquals(StateSeal.Refusal.MALFORMED, o.refusal(), String.valueOf(junk));
        }
    }
}
