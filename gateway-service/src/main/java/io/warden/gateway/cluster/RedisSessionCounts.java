package io.warden.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The per-grant session window shared by all pods, in one Redis round trip: a script increments the grant's counter,
 * starts its one-minute expiry on the first event, and answers the count with the time left. Keys carry a fingerprint of
 * the grant, never its id, and each key is its own cluster slot. Redis away (or slower than the shared state's command
 * timeout): the future fails and the caller counts on its own pod until Redis is back.
 */
public final class RedisSessionCounts implements SessionCounts {

    static final String PREFIX = "warden:sessions:";
    /** INCR, PEXPIRE on the first event (so a key can never be left without an expiry), then the count and PTTL. */
    static final String SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            local left = redis.call('PTTL', KEYS[1])
            if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
            return {n, left}
            """;

    private final RedisSubscriber redis;
    private final long windowMillis;

    public RedisSessionCounts(RedisSubscriber redis, long windowMillis) {
        this.redis = redis;
        this.windowMillis = windowMillis;
    }

    @Override
    public Future<Window> add(String grantId) {
        return redis.send(Request.cmd(Command.EVAL).arg(SCRIPT).arg(1).arg(key(grantId)).arg(windowMillis))
                .map(RedisSessionCounts::window);
    }

    /** The grant's counter: a fingerprint of the grant, never its id. */
    public static String key(String grantId) {
        return PREFIX + RevocationSet.grantKey(grantId);
    }

    private static Window window(Response r) {
        return new Window(r.get(0).toLong(), r.get(1).toLong());
    }
}
