package io.warden.gateway.ratelimit;

import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.warden.gateway.logging.LogSafe;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * How many gateway pods share the limits right now, for {@code on_limiter_error: local} (each pod then allows
 * rate ÷ pods). Every pod beats into one sorted set in Redis; members older than {@code ttl} drop out. Times
 * come from Redis {@code TIME}, never from pod clocks. While Redis is away, which is exactly when the count is
 * needed, the last count seen stays in force.
 */
public final class GatewayPresence implements IntSupplier, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GatewayPresence.class);
    /** One key in its own cluster slot. */
    static final String KEY = RedisKeys.PREFIX + "{~presence}:gateways";
    private static final String BEAT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[2])
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
            redis.call('PEXPIRE', KEYS[1], ttl * 3)
            return redis.call('ZCARD', KEYS[1])
            """;

    private final Vertx vertx;
    private final Redis redis;
    private final String member = UUID.randomUUID().toString();
    private final long ttlMillis;
    private final AtomicInteger count;
    private final long timer;

    /**
     * @param initial the count assumed before the first beat answers (a configured pod count, at least 1)
     */
    public GatewayPresence(Vertx vertx, Redis redis, Duration interval, Duration ttl, int initial) {
        this.vertx = vertx;
        this.redis = redis;
        this.ttlMillis = ttl.toMillis();
        this.count = new AtomicInteger(Math.max(1, initial));
        beat();
        this.timer = vertx.setPeriodic(interval.toMillis(), id -> beat());
    }

    private void beat() {
        redis.send(Request.cmd(Command.EVAL).arg(BEAT).arg(1).arg(KEY).arg(member).arg(ttlMillis))
                .subscribe().with(r -> count.set(Math.max(1, r.toInteger())),
                        t -> LOG.debugf("gateway presence beat failed (%s); keeping %d live gateways", LogSafe.text(t.getMessage()), count.get()));
    }

    /** The live pods, this one included; never below 1. */
    @Override
    public int getAsInt() {
        return count.get();
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
    }
}
