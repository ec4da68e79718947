package io.warden.policyservice.approvals;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code X-Warden-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>}. The timestamp
 * ({@code X-Warden-Timestamp}, Unix seconds) is inside the MAC so a receiver can refuse old deliveries replayed.
 */
public final class WebhookSignature {
    public static final String SIGNATURE_HEADER = "X-Warden-Signature";
    public static final String TIMESTAMP_HEADER = "X-Warden-Timestamp";

    private WebhookSignature() {
    }

    public static String sign(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
