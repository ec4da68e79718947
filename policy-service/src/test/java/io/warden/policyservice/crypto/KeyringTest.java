package io.warden.policyservice.crypto;

import io.warden.api.crypto.Keyring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyringTest {
    private static String newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private final String k1 = newKey();
    private final String k2 = newKey();

    @Test
    void roundTripWithAVersionPrefixAndAFreshNonceEachTime() {
        Keyring ring = Keyring.of(Map.of("v1", k1), "v1");
        String a = ring.encrypt("hunter2", "ctx");
        String b = ring.encrypt("hunter2", "ctx");
        assertTrue(a.startsWith("v1:"));
        assertNotEquals(a, b, "random nonce");
        assertFalse(a.contains("hunter2"));
        assertEquals("hunter2", ring.decrypt(a, "ctx"));
        assertEquals(12 + 7 + 16, Base64.getDecoder().decode(a.substring(3)).length, "nonce | ciphertext | tag");
    }

    @Test
    void rotationOldVersionsStillOpenNewOnesSealWithTheActiveKey() {
        Keyring before = Keyring.of(Map.of("v1", k1), "v1");
        String old = before.encrypt("secret", "ctx");
        Keyring after = Keyring.of(Map.of("v1", k1, "v2", k2), "v2");
        assertEquals("secret", after.decrypt(old, "ctx"));
        String moved = after.reencrypt(old, "ctx");
        assertTrue(moved.startsWith("v2:"));
        assertEquals("secret", after.decrypt(moved, "ctx"));
        Keyring retired = Keyring.of(Map.of("v2", k2), "v2");
        assertEquals("secret", retired.decrypt(moved, "ctx"));
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> retired.decrypt(old, "ctx"));
        assertTrue(missing.getMessage().contains("warden.policy.crypto.keys.v1"));
    }

    @Test
    void aCiphertextMovedToAnotherContextOrAlteredDoesNotOpen() {
        Keyring ring = Keyring.of(Map.of("v1", k1), "v1");
        String sealed = ring.encrypt("secret", "server-a");
        assertThrows(IllegalStateException.class, () -> ring.decrypt(sealed, "server-b"));
        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length - 1] ^= 1;
        String tampered = "v1:" + Base64.getEncoder().encodeToString(raw);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ring.decrypt(tampered, "server-a"));
        assertFalse(e.getMessage().contains("secret"));
    }

    @Test
    void badConfigurationIsRefusedWithTheSettingNamedAndNoKeyMaterial() {
        IllegalArgumentException noActive = assertThrows(IllegalArgumentException.class,
                () -> Keyring.of(Map.of("v1", k1), "v2"));
        assertTrue(noActive.getMessage().contains("warden.policy.crypto.keys.v2"));
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> Keyring.of(Map.of("v1", Base64.getEncoder().encodeToString(new byte[16])), "v1"));
        assertTrue(shortKey.getMessage().contains("32 bytes"));
        IllegalArgumentException notBase64 = assertThrows(IllegalArgumentException.class,
                () -> Keyring.of(Map.of("v1", "not base64!"), "v1"));
        assertFalse(notBase64.getMessage().contains("not base64!"));
        assertThrows(IllegalArgumentException.class, () -> Keyring.of(Map.of("v:1", k1), "v:1"));
        assertFalse(Keyring.of(Map.of("v1", k1), "v1").toString().contains(k1));
    }
}
