package io.warden.gateway.ratelimit;

import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.List;

/**
 * Settings of {@link RedisRateLimiter}, complete and validated.
 *
 * @param deadline hard deadline of one limiter call, Redis round trip included; past it the
 *     call is decided by {@code on_limiter_error} (default {@value #DEFAULT_DEADLINE_MS} ms)
 * @param cluster true when Redis is a Redis Cluster: the keys of a call are then grouped by
 *     hash tag, one script per slot group (see {@link RedisRateLimiter}); false sends every
 *     call in one script whatever its keys
 * @param retryDelay after a failure, calls skip Redis for this long and use the fallback
 *     directly, so a dead Redis costs nothing per call; then the next call probes Redis again
 *     (default {@value #DEFAULT_RETRY_DELAY_MS} ms)
 * @param unavailableRetryAfter the retry-after given to agents denied under {@code closed}
 *     (default {@value #DEFAULT_UNAVAILABLE_RETRY_AFTER_MS} ms)
 * @param localMaxBuckets bound on the per-pod fallback buckets (default
 *     {@value InMemoryRateLimiter#DEFAULT_MAX_BUCKETS})
 * @param connections long-lived, pipelined Redis connections the limiter keeps for callers off the
 *     event loops (default {@value #DEFAULT_CONNECTIONS}; each event loop has one more of its own);
 *     a hot key cannot exhaust them: calls queue on a connection
 *     (up to {@value #DEFAULT_POOL_WAITING} in flight each) instead of waiting for one
 */
public record RedisLimiterConfig(Duration deadline, boolean cluster, Duration retryDelay,
                                 Duration unavailableRetryAfter, int localMaxBuckets, int connections) {

    public static final long DEFAULT_DEADLINE_MS = 25;
    public static final long DEFAULT_RETRY_DELAY_MS = 250;
    public static final long DEFAULT_UNAVAILABLE_RETRY_AFTER_MS = 1_000;
    /** Redis connections per gateway: enough that 64+ concurrent calls on one hot key never queue long. */
    public static final int DEFAULT_POOL_SIZE = 64;
    /** Callers allowed to wait for a pooled connection before the client fails fast. */
    public static final int DEFAULT_POOL_WAITING = 4_096;
    /** Pipelined connections for callers off the event loops; each event loop that charges has one of its own. */
    public static final int DEFAULT_CONNECTIONS = 2;

    public RedisLimiterConfig {
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("ratelimit deadline must be > 0, got " + deadline);
        }
        if (retryDelay == null || retryDelay.isNegative()) {
            throw new IllegalArgumentException("ratelimit retryDelay must be >= 0, got " + retryDelay);
        }
        if (unavailableRetryAfter == null || unavailableRetryAfter.isNegative()) {
            throw new IllegalArgumentException("ratelimit unavailableRetryAfter must be >= 0");
        }
        if (connections < 1 || connections > DEFAULT_POOL_SIZE) {
            throw new IllegalArgumentException("ratelimit connections must be 1.." + DEFAULT_POOL_SIZE + ", got "
                    + connections);
        }
    }

    /** The defaults, for a single Redis (not a cluster). */
    public static RedisLimiterConfig defaults() {
        return new RedisLimiterConfig(Duration.ofMillis(DEFAULT_DEADLINE_MS), false,
                Duration.ofMillis(DEFAULT_RETRY_DELAY_MS), Duration.ofMillis(DEFAULT_UNAVAILABLE_RETRY_AFTER_MS),
                InMemoryRateLimiter.DEFAULT_MAX_BUCKETS, DEFAULT_CONNECTIONS);
    }

    public RedisLimiterConfig withDeadline(Duration d) {
        return new RedisLimiterConfig(d, cluster, retryDelay, unavailableRetryAfter, localMaxBuckets, connections);
    }

    public RedisLimiterConfig withCluster(boolean c) {
        return new RedisLimiterConfig(deadline, c, retryDelay, unavailableRetryAfter, localMaxBuckets, connections);
    }

    public RedisLimiterConfig withRetryDelay(Duration d) {
        return new RedisLimiterConfig(deadline, cluster, d, unavailableRetryAfter, localMaxBuckets, connections);
    }

    public RedisLimiterConfig withConnections(int n) {
        return new RedisLimiterConfig(deadline, cluster, retryDelay, unavailableRetryAfter, localMaxBuckets, n);
    }

    /**
     * Vert.x Redis client options sized for the limiter: a pool of {@value #DEFAULT_POOL_SIZE}
     * connections (the limiter keeps {@link #connections()} of them), {@value #DEFAULT_POOL_WAITING}
     * requests in flight per connection, TCP_NODELAY, and a connect timeout
     * tied to the deadline (a refused or silent Redis must not hold callers for seconds, the
     * client's default). When the gateway uses the Quarkus-managed client instead, set the
     * equivalent {@code quarkus.redis.max-pool-size}, {@code quarkus.redis.max-pool-waiting}
     * and {@code quarkus.redis.tcp.connect-timeout}.
     *
     * @param endpoints {@code redis://host:port} strings (cluster: any subset of the nodes)
     */
    public RedisOptions redisOptions(List<String> endpoints) {
        RedisOptions o = new RedisOptions()
                .setType(cluster ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
                .setMaxPoolSize(DEFAULT_POOL_SIZE)
                .setMaxPoolWaiting(DEFAULT_POOL_WAITING)
                .setMaxWaitingHandlers(DEFAULT_POOL_WAITING)
                .setNetClientOptions(new NetClientOptions()
                        .setTcpNoDelay(true)
                        .setConnectTimeout((int) Math.max(50, deadline.toMillis() * 4)));
        o.setEndpoints(new java.util.ArrayList<>(endpoints));
        return o;
    }
}
