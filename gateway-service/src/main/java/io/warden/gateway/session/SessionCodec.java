package io.warden.gateway.session;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the gateway's own {@code Mcp-Session-Id}: a self-contained AES-256-GCM token that any gateway pod holding
 * the key can open, so no session store is needed.
 *
 * <p>Token layout before URL-safe base64 (no padding):
 * <pre>
 *   version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)
 * </pre>
 * The version byte and key id are in the clear, bound to the ciphertext as associated data, so the right key is picked
 * without trial decryption. The plaintext is compact binary: the expiry (8 bytes, epoch seconds) then serverId, grantId,
 * upstreamSessionId, protocolVersion, upstreamProtocolVersion, each as an unsigned LEB128 of (UTF-8 length + 1), 0 meaning
 * null, followed by the bytes.
 *
 * <p>Keys: the first key seals, every key opens, so a rotation lists the new key first and keeps the old one second until
 * the old tokens have expired. Keys are decoded once, here. Instances are immutable and thread-safe.
 */
public final class SessionCodec {

    /** Longest string field, in UTF-8 bytes, that a token carries; keeps the header small. */
    public static final int MAX_FIELD_BYTES = 1024;

    static final byte FORMAT_VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER_BYTES = 1 + SessionKeys.KEY_ID_BYTES;
    private static final int MIN_TOKEN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BITS / 8;
    /** Anything longer cannot be a token of ours: rejected before decoding. */
    private static final int MAX_TOKEN_CHARS = 4 * (MIN_TOKEN_BYTES + 8 + 5 * (2 + MAX_FIELD_BYTES)) / 3 + 4;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final int sealingKeyId;
    private final SecretKey sealingKey;
    private final Map<Integer, SecretKey> openingKeys;
    private final long ttlSeconds;
    private final Clock clock;

    private SessionCodec(List<byte[]> keys, Duration ttl, Clock clock) {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(clock, "clock");
        if (ttl.getSeconds() < 1) {
            throw new IllegalArgumentException("session ttl must be at least one second, got " + ttl);
        }
        Map<Integer, SecretKey> byId = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            int id = SessionKeys.keyId(keys.get(i));
            if (byId.putIfAbsent(id, new SecretKeySpec(keys.get(i), "AES")) != null) {
                throw new IllegalArgumentException("session key #" + (i + 1) + " repeats an earlier key in the list");
            }
        }
        this.sealingKeyId = SessionKeys.keyId(keys.get(0));
        this.sealingKey = byId.get(sealingKeyId);
        this.openingKeys = Map.copyOf(byId);
        this.ttlSeconds = ttl.getSeconds();
        this.clock = clock;
    }

    /**
     * @param base64Keys the first key seals new tokens; all keys open (the rotation overlap). Each is 32 random bytes in
     *                   base64; see {@link SessionKeys#generate()}
     * @throws IllegalArgumentException on an empty list, a key that is not 32 bytes of base64, or a repeated key; the
     *                                  message names the key's position, never its value
     */
    public static SessionCodec create(List<String> base64Keys, Duration ttl, Clock clock) {
        Objects.requireNonNull(base64Keys, "base64Keys");
        if (base64Keys.isEmpty()) {
            throw new IllegalArgumentException("at least one session key is required");
        }
        byte[][] decoded = new byte[base64Keys.size()][];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = SessionKeys.decode(base64Keys.get(i), i + 1);
        }
        return new SessionCodec(List.of(decoded), ttl, clock);
    }

    /** A codec with a fresh random key: tokens open only in this process (the standalone default). */
    public static SessionCodec ephemeral(Duration ttl, Clock clock) {
        return create(List.of(SessionKeys.generate()), ttl, clock);
    }

    /**
     * Seals a new session token expiring {@code ttl} from now.
     *
     * @param upstreamSessionId null when the upstream is stateless
     * @throws IllegalArgumentException when a field is longer than {@value #MAX_FIELD_BYTES} UTF-8 bytes
     */
    public String seal(String serverId, String grantId, String upstreamSessionId, String protocolVersion,
                       String upstreamProtocolVersion) {
        long expiresAt = clock.instant().getEpochSecond() + ttlSeconds;
        SessionState state = new SessionState(serverId, grantId, upstreamSessionId, protocolVersion,
                upstreamProtocolVersion, expiresAt);
        byte[] plaintext = encode(state);

        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] token = new byte[HEADER_BYTES + NONCE_BYTES + plaintext.length + TAG_BITS / 8];
        ByteBuffer.wrap(token).put(FORMAT_VERSION).putInt(sealingKeyId).put(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, sealingKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(token, 0, HEADER_BYTES);
            cipher.doFinal(plaintext, 0, plaintext.length, token, HEADER_BYTES + NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
        }
        return ENCODER.encodeToString(token);
    }

    /** Opens a token. Never throws: every bad input comes back as {@link Invalid} with its reason. */
    public Opened open(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return new Invalid(Reason.MALFORMED);
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            return new Invalid(Reason.MALFORMED);
        }
        // One byte string, one spelling: reject padding and non-zero trailing bits that would decode to the same bytes.
        if (bytes.length < MIN_TOKEN_BYTES || bytes[0] != FORMAT_VERSION || !ENCODER.encodeToString(bytes).equals(token)) {
            return new Invalid(Reason.MALFORMED);
        }
        SecretKey key = openingKeys.get(ByteBuffer.wrap(bytes, 1, SessionKeys.KEY_ID_BYTES).getInt());
        if (key == null) {
            return new Invalid(Reason.UNKNOWN_KEY);
        }
        byte[] plaintext;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, HEADER_BYTES, NONCE_BYTES));
            cipher.updateAAD(bytes, 0, HEADER_BYTES);
            plaintext = cipher.doFinal(bytes, HEADER_BYTES + NONCE_BYTES, bytes.length - HEADER_BYTES - NONCE_BYTES);
        } catch (GeneralSecurityException | RuntimeException e) { // AEADBadTagException, in practice
            return new Invalid(Reason.TAMPERED);
        }
        SessionState state = decode(plaintext);
        if (state == null) {
            return new Invalid(Reason.MALFORMED);
        }
        if (clock.instant().getEpochSecond() >= state.expiresAtEpochSecond()) {
            return new Invalid(Reason.EXPIRED);
        }
        return new Valid(state);
    }

    /** The time a new token stays valid. */
    public Duration ttl() {
        return Duration.ofSeconds(ttlSeconds);
    }

    private static byte[] encode(SessionState state) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(state.expiresAtEpochSecond()).array());
        writeString(out, state.serverId(), "serverId");
        writeString(out, state.grantId(), "grantId");
        writeString(out, state.upstreamSessionId(), "upstreamSessionId");
        writeString(out, state.protocolVersion(), "protocolVersion");
        writeString(out, state.upstreamProtocolVersion(), "upstreamProtocolVersion");
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String value, String field) {
        if (value == null) {
            out.write(0);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_FIELD_BYTES) {
            throw new IllegalArgumentException(field + " is " + utf8.length + " UTF-8 bytes; a session token carries at most "
                    + MAX_FIELD_BYTES);
        }
        int prefixed = utf8.length + 1;
        while (prefixed >= 0x80) {
            out.write((prefixed & 0x7f) | 0x80);
            prefixed >>>= 7;
        }
        out.write(prefixed);
        out.write(utf8, 0, utf8.length);
    }

    /** Null when the plaintext does not parse; it was authenticated, so that means a format bug, not an attack. */
    private static SessionState decode(byte[] plaintext) {
        Reader in = new Reader(plaintext);
        try {
            long expiresAt = in.int64();
            String serverId = in.string();
            String grantId = in.string();
            String upstreamSessionId = in.string();
            String protocolVersion = in.string();
            String upstreamProtocolVersion = in.string();
            if (!in.atEnd() || serverId == null || grantId == null || protocolVersion == null
                    || upstreamProtocolVersion == null) {
                return null;
            }
            return new SessionState(serverId, grantId, upstreamSessionId, protocolVersion, upstreamProtocolVersion,
                    expiresAt);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final class Reader {
        private final ByteBuffer buffer;

        Reader(byte[] bytes) {
            this.buffer = ByteBuffer.wrap(bytes);
        }

        long int64() {
            return buffer.getLong();
        }

        String string() {
            int prefixed = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 14) {
                    throw new IllegalArgumentException("length prefix too long");
                }
                int b = buffer.get() & 0xff;
                prefixed |= (b & 0x7f) << shift;
                if (b < 0x80) {
                    break;
                }
            }
            if (prefixed == 0) {
                return null;
            }
            int length = prefixed - 1;
            if (length > MAX_FIELD_BYTES || length > buffer.remaining()) {
                throw new IllegalArgumentException("field overruns the token");
            }
            byte[] utf8 = new byte[length];
            buffer.get(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }

        boolean atEnd() {
            return !buffer.hasRemaining();
        }
    }

    /** The result of {@link #open(String)}. */
    public sealed interface Opened permits Valid, Invalid {
    }

    /** A token this gateway sealed, unaltered and unexpired. */
    public record Valid(SessionState state) implements Opened {
    }

    /** A token that must be refused, and why (for logs and metrics; do not tell the client which). */
    public record Invalid(Reason reason) implements Opened {
    }

    /** Why a token was refused. */
    public enum Reason {
        /** Not a token of ours at all: empty, too long, not URL-safe base64, too short, or an unknown format version. */
        MALFORMED,
        /** Sealed with a key this gateway no longer (or never) had: e.g. rotated out, or another deployment's key. */
        UNKNOWN_KEY,
        /** The key is known but authentication failed: altered in transit or forged. */
        TAMPERED,
        /** Authentic but past its expiry. */
        EXPIRED
    }
}
