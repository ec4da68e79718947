package io.warden.gateway.proxy;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decision ids: version-7 UUIDs (RFC 9562), whose first 48 bits are the Unix time in milliseconds, so ids sort by
 * time and index well. They must be unique, not unpredictable (nothing is authorised by them), so the 74 random bits
 * come from ThreadLocalRandom instead of SecureRandom on the hot path.
 */
public final class DecisionIds {
    private DecisionIds() {}

    public static String next() {
        return at(System.currentTimeMillis()).toString();
    }

    static UUID at(long epochMillis) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (epochMillis << 16) | 0x7000L | (r.nextLong() & 0x0fffL);
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(hi, lo);
    }
}
