package io.warden.gateway.ratelimit;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.warden.testsupport.redis.RedisServer;
import java.util.List;

/** A real redis-server, a Vert.x and a client on it, for the limiter's tests; {@link #close()} undoes all three. */
final class RealRedis implements AutoCloseable {

    final RedisServer server;
    final Vertx vertx;
    final Redis client;

    private RealRedis(RedisServer server, Vertx vertx, Redis client) {
        this.server = server;
        this.vertx = vertx;
        this.client = client;
    }

    /** A fresh server, with a client made from {@code config}'s options. */
    static RealRedis launch(RedisLimiterConfig config) {
        RedisServer server = RedisServer.launch();
        Vertx vertx = Vertx.vertx();
        return new RealRedis(server, vertx, Redis.createClient(vertx, config.redisOptions(List.of(server.uri()))));
    }

    /** Resumes a paused server first, so that nothing waits on it while closing. */
    @Override
    public void close() {
        server.resume();
        client.close();
        vertx.closeAndAwait();
        server.close();
    }
}
