package io.warden.api.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with versioned keys. A ciphertext reads {@code <version>:<base64(nonce | ciphertext+tag)>}, so any
 * configured version decrypts and only the active one encrypts: add a key, make it active, re-encrypt, then drop
 * the old one. The caller's context (e.g. server and header name) is bound as associated data, so a ciphertext
 * copied to another row does not decrypt. Plain Java, shared by policy-service (which seals) and the gateway (which
 * opens what the snapshot stream carries); error messages name the caller's setting, never key material.
 */
public final class Keyring {
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKey> keys;
    private final String active;
    private final String keysSetting;

    private Keyring(Map<String, SecretKey> keys, String active, String keysSetting) {
        this.keys = keys;
        this.active = active;
        this.keysSetting = keysSetting;
    }

    /** Associated data binding an upstream header value to its server and (case-insensitive) header name. */
    public static String headerContext(String serverId, String headerName) {
        return "server-header\n" + serverId + "\n" + headerName.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Keys by version, each the base64 of 32 bytes. Fails with a message naming the setting when anything is off;
     * the messages never contain key material.
     */
    public static Keyring of(Map<String, String> base64Keys, String activeVersion) {
        return of(base64Keys, activeVersion, "warden.policy.crypto.keys", "warden.policy.crypto.active-key-version");
    }

    /**
     * The same, for a caller whose settings have other names ({@code keysSetting} is the prefix of one key per
     * version, {@code activeSetting} names the active version).
     */
    public static Keyring of(Map<String, String> base64Keys, String activeVersion, String keysSetting,
                             String activeSetting) {
        Map<String, SecretKey> keys = new TreeMap<>();
        base64Keys.forEach((version, encoded) -> {
            if (!VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException(keysSetting + ": version '" + version
                        + "' must be 1 to 32 letters, digits, '_' or '-'");
            }
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(encoded.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(keysSetting + "." + version + " is not base64");
            }
            if (raw.length != 32) {
                throw new IllegalArgumentException(keysSetting + "." + version
                        + " must be 32 bytes (AES-256), base64; it has " + raw.length);
            }
            keys.put(version, new SecretKeySpec(raw, "AES"));
        });
        if (!keys.containsKey(activeVersion)) {
            throw new IllegalArgumentException(activeSetting + " is '" + activeVersion
                    + "' but " + keysSetting + " has " + (keys.isEmpty() ? "no key" : keys.keySet())
                    + "; add " + keysSetting + "." + activeVersion + "=<base64 of 32 random bytes>");
        }
        return new Keyring(Map.copyOf(keys), activeVersion, keysSetting);
    }

    /**
     * A keyring that only opens: every configured version decrypts, nothing encrypts (a gateway reading sealed values
     * from the snapshot stream). An empty map is allowed: then any sealed value fails to open, naming the missing key.
     */
    public static Keyring decryptOnly(Map<String, String> base64Keys, String keysSetting) {
        if (base64Keys.isEmpty()) {
            return new Keyring(Map.of(), null, keysSetting);
        }
        String any = new TreeMap<>(base64Keys).firstKey();
        Keyring full = of(base64Keys, any, keysSetting, keysSetting);
        return new Keyring(full.keys, null, keysSetting);
    }

    public String activeVersion() {
        return active;
    }

    /** The version a stored ciphertext was sealed with (the text before the first ':'). */
    public static String versionOf(String sealed) {
        int colon = sealed.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a versioned ciphertext");
        }
        return sealed.substring(0, colon);
    }

    public String encrypt(String plaintext, String context) {
        if (active == null) {
            throw new IllegalStateException("this keyring only decrypts");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(active), nonce, context);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
            return active + ":" + Base64.getEncoder().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Fails (without revealing anything) when the version is unknown, the context differs or the data was altered. */
    public String decrypt(String sealed, String context) {
        String version = versionOf(sealed);
        SecretKey key = keys.get(version);
        if (key == null) {
            throw new IllegalStateException("no key for ciphertext version '" + version
                    + "': keep " + keysSetting + "." + version + " until every row is re-encrypted");
        }
        byte[] data = Base64.getDecoder().decode(sealed.substring(version.length() + 1));
        try {
            byte[] nonce = java.util.Arrays.copyOfRange(data, 0, NONCE_BYTES);
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, context);
            return new String(cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a ciphertext of key version '" + version + "' does not decrypt");
        }
    }

    /** Decrypts with whatever version sealed it and encrypts again with the active key. */
    public String reencrypt(String sealed, String context) {
        return encrypt(decrypt(sealed, context), context);
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] nonce, String context)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    @Override
    public String toString() {
        return "Keyring[versions=" + keys.keySet() + ", active=" + active + "]";
    }
}
