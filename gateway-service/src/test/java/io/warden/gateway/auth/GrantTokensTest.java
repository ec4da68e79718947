package io.warden.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class GrantTokensTest {

    @Test
    void mintedTokenHasPrefixAnd32RandomBytes() {
        String token = GrantTokens.mint();

        assertTrue(token.matches("wdn_[A-Za-z0-9_-]{43}"), token);
        assertEquals(32, Base64.getUrlDecoder().decode(token.substring(4)).length);
        assertNotEquals(token, GrantTokens.mint());
    }

    @Test
    void hashMatchesKnownSha256Vectors() {
        assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", GrantTokens.hash("abc"));
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", GrantTokens.hash(""));
    }

    @Test
    void hashIsStableAndHidesTheToken() {
        String token = GrantTokens.mint();

        // Computed here independently, so the check fails if hash() ever salts, truncates or encodes differently.
        String expected = "sha256:" + java.util.HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, GrantTokens.hash(token));
        assertTrue(GrantTokens.hash(token).matches("sha256:[0-9a-f]{64}"));
        assertFalse(GrantTokens.hash(token).contains(token.substring(4)));
        assertThrows(NullPointerException.class, () -> GrantTokens.hash(null));
    }

    @Test
    void sameHashComparesValuesAndIsNullSafe() {
        String hash = GrantTokens.hash("wdn_one");

        assertTrue(GrantTokens.sameHash(hash, GrantTokens.hash("wdn_one")));
        assertFalse(GrantTokens.sameHash(hash, GrantTokens.hash("wdn_two")));
        assertFalse(GrantTokens.sameHash(hash, hash.substring(0, hash.length() - 1)));
        assertFalse(GrantTokens.sameHash(hash, null));
        assertFalse(GrantTokens.sameHash(null, hash));
        assertFalse(GrantTokens.sameHash(null, null));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
