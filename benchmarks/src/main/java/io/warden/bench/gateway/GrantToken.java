package io.warden.bench.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A grant token for the gateway under test and the hash its configuration stores. Follows the documented token format
 * ({@code wdn_} plus random URL-safe base64; hash {@code sha256:} plus lowercase hex) without depending on the Quarkus
 * module.
 */
public record GrantToken(String token, String hash) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public static GrantToken mint() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "wdn_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return new GrantToken(token, "sha256:" + HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
