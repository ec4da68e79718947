package io.warden.gateway.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Revoked sessions in memory, each until its token's own expiry, keyed by a fingerprint of the token so that the tokens
 * themselves are never stored or sent. The whole list for one pod (standalone mode) and the in-memory copy of the shared
 * list in {@link RedisRevocations}. Thread-safe.
 */
public final class RevocationSet implements Revocations {

    /** Fingerprint length in bytes: 128 bits of SHA-256, far beyond any collision among live sessions. */
    static final int FINGERPRINT_BYTES = 16;
    private static final int MIN_PRUNE_AT = 256;

    private final Clock clock;
    /** Fingerprint → expiry, epoch seconds. */
    private final Map<String, Long> entries = new ConcurrentHashMap<>();
    /** Size at which the next add first drops expired entries: pruning stays amortised O(1) per add. */
    private volatile int pruneAt = MIN_PRUNE_AT;

    public RevocationSet(Clock clock) {
        this.clock = clock;
    }

    /** The token's fingerprint: URL-safe base64 of the first {@value #FINGERPRINT_BYTES} bytes of its SHA-256. */
    static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, FINGERPRINT_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    @Override
    public boolean revoked(String token) {
        if (entries.isEmpty()) {
            return false; // the common case costs no hashing
        }
        Long expiresAt = entries.get(fingerprint(token));
        return expiresAt != null && now() < expiresAt;
    }

    @Override
    public void revoke(String token, long expiresAtEpochSecond) {
        add(fingerprint(token), expiresAtEpochSecond);
    }

    /** Adds one entry by fingerprint; an entry already past its expiry is not kept. */
    void add(String fingerprint, long expiresAtEpochSecond) {
        if (expiresAtEpochSecond > now()) {
            entries.merge(fingerprint, expiresAtEpochSecond, Math::max);
        }
        if (entries.size() >= pruneAt) {
            pruneAt = Math.max(MIN_PRUNE_AT, 2 * prune());
        }
    }

    /** Drops the entries whose tokens have expired anyway; returns how many remain. */
    int prune() {
        long now = now();
        entries.values().removeIf(expiresAt -> expiresAt <= now);
        return entries.size();
    }

    int size() {
        return entries.size();
    }

    long now() {
        return clock.instant().getEpochSecond();
    }

    @Override
    public void close() {
        entries.clear();
    }
}
