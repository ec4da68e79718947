package io.warden.gateway.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.mcp.JsonRpc;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens Warden's MRTR {@code requestState}: AES-256-GCM under a key derived once from each session key, so any
 * pod holding the session keys opens what another pod sealed, and rotating the session keys rotates these too (the first
 * key seals, every key opens).
 *
 * <pre>
 *   "wa1." base64url( key id (4) | GCM nonce (12) | ciphertext | tag (16) )     AAD: "wa1" | key id
 * </pre>
 *
 * The state is attacker-controlled input: anything but an intact, unexpired state sealed for this very call (same grant,
 * server, tool and argument digest) is refused with a reason. Single use is not the seal's job: the approval it names
 * is spent once ({@link Approvals#consume}).
 */
public final class StateSeal {

    /** Marks Warden's own state among the strings a client may echo (an upstream's state never starts with it). */
    public static final String PREFIX = "wa1.";
    /** A state longer than this is refused before any decoding (an upstream's nested state included). */
    public static final int MAX_CHARS = 64 * 1024;

    private static final byte[] DERIVE_LABEL = "warden approval requestState v1".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_ID_BYTES = 4;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a state was refused; {@code wire} names it in decision events and answers. */
    public enum Refusal {
        MALFORMED("malformed"), FORGED("forged"), EXPIRED("expired"), OTHER_GRANT("other_grant"), OTHER_CALL("other_call");

        public final String wire;

        Refusal(String wire) {
            this.wire = wire;
        }
    }

    /** The outcome of {@link #open}: exactly one of the two is set. */
    public record Opened(ApprovalTicket ticket, Refusal refusal) {
        public boolean valid() {
            return ticket != null;
        }
    }

    private final int sealingKeyId;
    private final SecretKeySpec sealingKey;
    private final Map<Integer, SecretKeySpec> keys;
    private final Clock clock;

    private StateSeal(List<byte[]> sessionKeys, Clock clock) {
        if (sessionKeys.isEmpty()) {
            throw new IllegalArgumentException("at least one key is required");
        }
        Map<Integer, SecretKeySpec> byId = new HashMap<>();
        List<Integer> order = new ArrayList<>();
        for (byte[] k : sessionKeys) {
            byte[] derived = hmac(k, DERIVE_LABEL);
            int id = ByteBuffer.wrap(hmac(derived, "key id".getBytes(StandardCharsets.US_ASCII))).getInt();
            byId.put(id, new SecretKeySpec(derived, "AES"));
            order.add(id);
        }
        this.keys = Map.copyOf(byId);
        this.sealingKeyId = order.get(0);
        this.sealingKey = byId.get(sealingKeyId);
        this.clock = clock;
    }

    /**
     * @param base64SessionKeys the gateway's session keys (already validated by the session codec), first one seals
     */
    public static StateSeal fromSessionKeys(List<String> base64SessionKeys, Clock clock) {
        List<byte[]> raw = new ArrayList<>();
        for (String k : base64SessionKeys) {
            String t = k.strip();
            raw.add(t.indexOf('-') >= 0 || t.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(t) : Base64.getDecoder().decode(t));
        }
        return new StateSeal(raw, clock);
    }

    /** A per-process key: states open on this pod only (the single-pod default, like the session key). */
    public static StateSeal ephemeral(Clock clock) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new StateSeal(List.of(k), clock);
    }

    /** A new ticket nonce (random, URL-safe). */
    public static String newNonce() {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(n);
    }

    public String seal(ApprovalTicket t) {
        ObjectNode o = JsonRpc.NODES.objectNode();
        o.put("g", t.grantId()).put("s", t.serverId()).put("t", t.tool()).put("d", t.argumentDigest())
                .put("a", t.approvalId()).put("e", t.expiresAtMillis()).put("n", t.nonce());
        if (t.upstreamState() != null) {
            o.put("u", t.upstreamState());
        }
        if (t.upstreamResponses() != null) {
            o.put("r", t.upstreamResponses());
        }
        byte[] plain = JsonRpc.bytes(o);
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] out = new byte[KEY_ID_BYTES + NONCE_BYTES + plain.length + TAG_BITS / 8];
        ByteBuffer.wrap(out).putInt(sealingKeyId).put(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, sealingKey, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(sealingKeyId));
            c.doFinal(plain, 0, plain.length, out, KEY_ID_BYTES + NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }

    /** Opens a state the client echoed and checks it belongs to this call; never throws on bad input. */
    public Opened open(String state, String grantId, String serverId, String tool, String argumentDigest) {
        if (state == null || state.length() > MAX_CHARS || !state.startsWith(PREFIX)) {
            return refused(Refusal.MALFORMED);
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(state.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return refused(Refusal.MALFORMED);
        }
        if (bytes.length < KEY_ID_BYTES + NONCE_BYTES + TAG_BITS / 8) {
            return refused(Refusal.MALFORMED);
        }
        int keyId = ByteBuffer.wrap(bytes).getInt();
        SecretKeySpec key = keys.get(keyId);
        if (key == null) {
            return refused(Refusal.FORGED); // sealed under a key this gateway does not hold (or never was)
        }
        JsonNode o;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, KEY_ID_BYTES, NONCE_BYTES));
            c.updateAAD(aad(keyId));
            byte[] plain = c.doFinal(bytes, KEY_ID_BYTES + NONCE_BYTES, bytes.length - KEY_ID_BYTES - NONCE_BYTES);
            o = JsonRpc.MAPPER.readTree(plain);
        } catch (GeneralSecurityException e) {
            return refused(Refusal.FORGED);
        } catch (java.io.IOException e) {
            return refused(Refusal.MALFORMED); // authentic but unreadable: a format bug, still never trusted
        }
        ApprovalTicket t = new ApprovalTicket(o.path("g").asText(null), o.path("s").asText(null), o.path("t").asText(null),
                o.path("d").asText(null), o.path("a").asText(null), o.path("e").asLong(0), o.path("n").asText(null),
                o.hasNonNull("u") ? o.get("u").asText() : null, o.hasNonNull("r") ? o.get("r").asText() : null);
        if (t.grantId() == null || t.serverId() == null || t.tool() == null || t.approvalId() == null
                || t.argumentDigest() == null) {
            return refused(Refusal.MALFORMED);
        }
        if (clock.millis() >= t.expiresAtMillis()) {
            return refused(Refusal.EXPIRED);
        }
        if (!t.grantId().equals(grantId)) {
            return refused(Refusal.OTHER_GRANT);
        }
        if (!t.serverId().equals(serverId) || !t.tool().equals(tool) || !t.argumentDigest().equals(argumentDigest)) {
            return refused(Refusal.OTHER_CALL);
        }
        return new Opened(t, null);
    }

    private static Opened refused(Refusal r) {
        return new Opened(null, r);
    }

    private static byte[] aad(int keyId) {
        return ByteBuffer.allocate(3 + KEY_ID_BYTES).put("wa1".getBytes(StandardCharsets.US_ASCII)).putInt(keyId).array();
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JDK", e);
        }
    }
}
