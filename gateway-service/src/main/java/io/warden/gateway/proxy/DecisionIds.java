package io.warden.gateway.proxy;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decision ids: random version-4 UUIDs. They must be unique, not unpredictable (nothing is authorised
 * by them), so they come from ThreadLocalRandom instead of SecureRandom on the hot path.
 */
final class DecisionIds {
    private DecisionIds() {}

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
