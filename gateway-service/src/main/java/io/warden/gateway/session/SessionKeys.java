package io.warden.gateway.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Session keys: 32 random bytes, written as base64. Standard and URL-safe alphabets are both accepted, with or without
 * padding, so a key made with {@code openssl rand -base64 32} works too.
 */
public final class SessionKeys {

    /** Length of an AES-256 key in bytes. */
    static final int KEY_BYTES = 32;
    /** Length of the key id written in the clear at the start of each token. */
    static final int KEY_ID_BYTES = 4;

    private static final byte[] KEY_ID_LABEL = "warden session key id\0".getBytes(StandardCharsets.US_ASCII);

    private SessionKeys() {
    }

    /** A new random key, standard base64 with padding (44 characters). */
    public static String generate() {
        return io.warden.api.SessionKeyMaterial.generate();
    }

    /**
     * Decodes one configured key. The message of the exception names the key's position only, never its value.
     *
     * @param position 1-based position in the configured list, for the error message
     */
    static byte[] decode(String base64, int position) {
        if (base64 == null || base64.isBlank()) {
            throw new IllegalArgumentException("session key #" + position + " is empty");
        }
        String trimmed = base64.strip();
        byte[] key;
        try {
            key = trimmed.indexOf('-') >= 0 || trimmed.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(trimmed)
                    : Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("session key #" + position + " is not valid base64", null);
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("session key #" + position + " decodes to " + key.length
                    + " bytes; a session key must be " + KEY_BYTES + " random bytes (generate one with 'session-key')");
        }
        return key;
    }

    /** The key id: the first {@value #KEY_ID_BYTES} bytes of SHA-256 over a fixed label and the key, as an int. */
    static int keyId(byte[] key) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(KEY_ID_LABEL);
            byte[] digest = sha256.digest(key);
            return ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
