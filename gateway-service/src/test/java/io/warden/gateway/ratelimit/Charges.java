package io.warden.gateway.ratelimit;

import io.warden.policy.LimitCharge;
import io.warden.policy.LimiterErrorMode;
import java.util.UUID;

/** Builds limit charges for tests; each {@link #fresh} counter name is unique, so tests never share buckets. */
final class Charges {
    private Charges() {}

    static String fresh(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static LimitCharge grant(String counter, long capacity, long max, long windowMillis, long cost) {
        return of(counter, "grant", "g1", capacity, max, windowMillis, cost, false, LimiterErrorMode.CLOSED);
    }

    static LimitCharge of(String counter, String scope, String owner, long capacity, long max, long windowMillis,
                          long cost, boolean shadow, LimiterErrorMode mode) {
        String bucketId = counter + "|" + scope;
        String key = "global".equals(scope) ? bucketId : bucketId + "|" + owner;
        return new LimitCharge(bucketId, key, "/all_tools/limits/" + counter, counter, scope, capacity, max,
                windowMillis, cost, null, shadow, mode);
    }

    static LimitCharge shadow(LimitCharge c) {
        return with(c, c.cost(), true, c.onLimiterError());
    }

    static LimitCharge mode(LimitCharge c, LimiterErrorMode mode) {
        return with(c, c.cost(), c.shadow(), mode);
    }

    static LimitCharge cost(LimitCharge c, long cost) {
        return with(c, cost, c.shadow(), c.onLimiterError());
    }

    private static LimitCharge with(LimitCharge c, long cost, boolean shadow, LimiterErrorMode mode) {
        return new LimitCharge(c.bucketId(), c.key(), c.rule(), c.counter(), c.scope(), c.capacity(),
                c.refillTokens(), c.windowMillis(), cost, c.onDeny(), shadow, mode);
    }
}
