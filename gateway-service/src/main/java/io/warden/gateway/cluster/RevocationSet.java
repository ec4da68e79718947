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
 * list in {@link RedisRevocations}. Each entry remembers which grant ended it (by a fingerprint of the grant id), so
 * that what one grant holds can be bounded: a grant that ends sessions in a loop cannot grow a pod's memory without
 * end. Thread-safe.
 */
public final class RevocationSet implements Revocations {

    /** Fingerprint length in bytes: 128 bits of SHA-256, far beyond any collision among live sessions. */
    static final int FINGERPRINT_BYTES = 16;
    /** Grant fingerprints only tell grants apart for counting: 64 bits. */
    static final int GRANT_BYTES = 8;
    /** An entry heard from a pod that did not say whose it was: held, counted for no grant. */
    static final String NO_GRANT = "";
    private static final int MIN_PRUNE_AT = 256;
    /** A refusal may prune to make sure what it counts is still live, at most this often. */
    private static final long PRUNE_ON_REFUSAL_EVERY_SECONDS = 1;

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Grant fingerprint → what it holds; each grant's key string is shared by its entries. */
    private final Map<String, Held> grants = new ConcurrentHashMap<>();
    /** Size at which the next add first drops expired entries: pruning stays amortised O(1) per add. */
    private volatile int pruneAt = MIN_PRUNE_AT;
    private volatile long prunedAt;

    private record Entry(long expiresAt, String grant) {}

    /**
     * Revocations of one grant: how many, and the earliest expiry among them (may name an expired one until the next
     * prune). {@code key} is the one copy of the grant's fingerprint that all its entries share.
     */
    private record Held(String key, int count, long earliest) {}

    /** What one grant holds now, and in how many seconds the first of it expires. */
    public record Holding(int count, long firstExpiresInSeconds) {}

    public RevocationSet(Clock clock) {
        this.clock = clock;
    }

    /** The token's fingerprint: URL-safe base64 of the first {@value #FINGERPRINT_BYTES} bytes of its SHA-256. */
    static String fingerprint(String token) {
        return digest(token.getBytes(StandardCharsets.US_ASCII), FINGERPRINT_BYTES);
    }

    /** The grant's fingerprint, as stored beside its revocations and sent to other pods. */
    static String grantKey(String grantId) {
        return digest(grantId.getBytes(StandardCharsets.UTF_8), GRANT_BYTES);
    }

    private static String digest(byte[] input, int bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(input);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    @Override
    public boolean revoked(String token) {
        if (entries.isEmpty()) {
            return false; // the common case costs no hashing
        }
        Entry e = entries.get(fingerprint(token));
        return e != null && now() < e.expiresAt();
    }

    @Override
    public void revoke(String grantId, String token, long expiresAtEpochSecond) {
        add(fingerprint(token), grantKey(grantId), expiresAtEpochSecond);
    }

    @Override
    public Holding heldBy(String grantId) {
        String key = grantKey(grantId);
        Holding h = holding(key);
        if (h.firstExpiresInSeconds() <= 0 && now() - prunedAt >= PRUNE_ON_REFUSAL_EVERY_SECONDS) {
            prune(); // what is counted may have expired already: count again
            h = holding(key);
        }
        return h;
    }

    private Holding holding(String key) {
        Held held = grants.get(key);
        return held == null ? new Holding(0, Long.MAX_VALUE) : new Holding(held.count(), held.earliest() - now());
    }

    /** Adds one entry by fingerprint; an entry already past its expiry is not kept. A later expiry wins. */
    void add(String fingerprint, String grant, long expiresAtEpochSecond) {
        if (expiresAtEpochSecond > now()) {
            entries.compute(fingerprint, (fp, old) -> {
                if (old != null && old.expiresAt() >= expiresAtEpochSecond) {
                    return old;
                }
                if (old != null) {
                    count(old.grant(), -1, Long.MAX_VALUE);
                }
                return new Entry(expiresAtEpochSecond, count(grant, 1, expiresAtEpochSecond));
            });
        }
        if (entries.size() >= pruneAt) {
            pruneAt = Math.max(MIN_PRUNE_AT, 2 * prune());
        }
    }

    /** Adjusts a grant's count; returns the grant's shared key string. Entries of no grant are not counted. */
    private String count(String grant, int delta, long expiresAt) {
        if (grant.isEmpty()) {
            return NO_GRANT;
        }
        // One atomic step per grant: a grant whose count drops to zero leaves the map in the same step.
        Held held = grants.compute(grant, (g, h) -> {
            int count = (h == null ? 0 : h.count()) + delta;
            return count <= 0 ? null : new Held(h == null ? g : h.key(), count,
                    Math.min(h == null ? Long.MAX_VALUE : h.earliest(), expiresAt));
        });
        return held == null ? grant : held.key();
    }

    /** Drops the entries whose tokens have expired anyway; returns how many remain. */
    int prune() {
        long now = now();
        prunedAt = now;
        Map<String, Long> earliest = new java.util.HashMap<>();
        entries.forEach((fp, e) -> {
            if (e.expiresAt() <= now) {
                if (entries.remove(fp, e)) {
                    count(e.grant(), -1, Long.MAX_VALUE);
                }
            } else if (!e.grant().isEmpty()) {
                earliest.merge(e.grant(), e.expiresAt(), Math::min);
            }
        });
        for (String g : grants.keySet()) {
            // An earliest expiry still live stays: it may belong to an entry added after the scan.
            grants.computeIfPresent(g, (k, h) -> new Held(h.key(), h.count(), Math.min(
                    earliest.getOrDefault(k, Long.MAX_VALUE), h.earliest() > now ? h.earliest() : Long.MAX_VALUE)));
        }
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
        grants.clear();
    }
}
