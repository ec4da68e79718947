package io.warden.api;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * New session keys for the gateways' session tokens (AES-256): made by the {@code warden session-key} command and by a
 * gateway that runs without configured keys. Plain JDK code.
 */
public final class SessionKeyMaterial {
    /** Length of an AES-256 key in bytes. */
    public static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionKeyMaterial() {
    }

    /** A new random key, standard base64 with padding (44 characters). */
    public static String generate() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
