package io.warden.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Grant tokens, shared by the gateway (which checks them) and policy-service (which mints them): minted once,
 * shown once, stored only as a hash. The hash format is the contract between the two: {@value #HASH_PREFIX}
 * followed by the lowercase hex SHA-256 of the token's UTF-8 bytes, exactly what the standalone file's
 * {@code token_hash} holds. Plain JDK code.
 */
public final class GrantTokens {

    /** Every grant token starts with this, so secret scanners and humans can recognise one. */
    public static final String PREFIX = "wdn_";
    /** Every stored hash starts with this, naming the algorithm. */
    public static final String HASH_PREFIX = "sha256:";

    private static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One digest per thread: every request hashes its token, and getInstance is a provider lookup. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    });

    private GrantTokens() {
    }

    /** A new token: {@value #PREFIX} followed by 32 random bytes in URL-safe base64 without padding (47 characters). */
    public static String mint() {
        return PREFIX + randomSecret();
    }

    /** 32 random bytes in URL-safe base64 without padding: the secret part of a token or an API key. */
    public static String randomSecret() {
        byte[] secret = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** {@value #HASH_PREFIX} followed by the lowercase hex SHA-256 of the token's UTF-8 bytes. */
    public static String hash(String token) {
        Objects.requireNonNull(token, "token");
        byte[] digest = SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8));
        return HASH_PREFIX + HexFormat.of().formatHex(digest);
    }

    /**
     * Compares two hashes in time that does not depend on where they differ. False when either is null.
     * Pass hashes (from {@link #hash(String)}), not tokens, so both sides have the same length.
     */
    public static boolean sameHash(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
