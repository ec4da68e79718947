package io.warden.gateway.ratelimit;

import io.warden.policy.LimitCharge;

/**
 * The Redis key layout of the limiter.
 *
 * <pre>
 *   wd:rl:{&lt;partition&gt;}:&lt;bucket key&gt;     scope grant or server
 *   wd:rl:{~global}:&lt;bucket key&gt;          scope global
 * </pre>
 *
 * <p>{@code <bucket key>} is {@link LimitCharge#key()} as the policy engine builds it
 * ({@code counter|grant|<grant>|key values}, {@code counter|server@<policy>|<server>|key values},
 * {@code counter|global@<policy>|key values}), so bucket identity never depends on the
 * partition. Server and global buckets carry the policy id, so two policies that use the same
 * counter name never share one bucket; all global buckets still share the one {@code ~global}
 * tag, and a call's server buckets its server's tag, so the script reaches them as before. The part in braces is the Redis Cluster hash tag: every grant- and
 * server-scoped bucket of one server lands in one slot, so one script can take them all
 * atomically. Global buckets are shared by all servers and cannot share their slot; see
 * {@link RedisRateLimiter} for how a call mixing both is handled. The value of a key is the
 * bucket's full-at time, {@code "<micros>:<frac>"}; its TTL is the time until the bucket is
 * full again (plus at most 1 ms), capped at twice the full refill time.
 */
public final class RedisKeys {

    /** Prefix of every limiter key. */
    public static final String PREFIX = "wd:rl:";
    /** Partition used by {@link RateLimiter#acquire(java.util.List)}. */
    public static final String DEFAULT_PARTITION = "-";
    /** Hash tag of global buckets. */
    public static final String GLOBAL_TAG = "~global";

    private RedisKeys() {}

    /** The hash tag (without braces) of a charge acquired under {@code partition}. */
    public static String tag(String partition, LimitCharge charge) {
        if ("global".equals(charge.scope())) {
            return GLOBAL_TAG;
        }
        return partition == null || partition.isEmpty() ? DEFAULT_PARTITION : partition.replace('}', '_');
    }

    /** The Redis key of a charge acquired under {@code partition}. */
    public static String key(String partition, LimitCharge charge) {
        return PREFIX + "{" + tag(partition, charge) + "}:" + charge.key();
    }
}
