package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A few long-lived Redis connections, used round robin. Requests on one connection are
 * pipelined (many in flight, answers in order), which is what lets one gateway reach Redis'
 * own throughput: a pool that lends one connection per request pays an acquire and release
 * per call and never pipelines.
 *
 * <p>A connection that fails, closes or misses a deadline is dropped; the next request on its
 * slot opens a new one (concurrent callers share that attempt). Nothing here retries a request.
 */
final class RedisPipelines {

    private final Redis redis;
    private final int size;
    private final AtomicReferenceArray<RedisConnection> live;
    private final AtomicReferenceArray<Uni<RedisConnection>> connecting;
    private final AtomicInteger next = new AtomicInteger();

    RedisPipelines(Redis redis, int size) {
        this.redis = redis;
        this.size = Math.max(1, size);
        this.live = new AtomicReferenceArray<>(this.size);
        this.connecting = new AtomicReferenceArray<>(this.size);
    }

    /** Send {@code request} on the next connection; past {@code deadline} it fails and the connection is dropped. */
    Uni<Response> send(Request request, Duration deadline) {
        int slot = Math.floorMod(next.getAndIncrement(), size);
        RedisConnection c = live.get(slot);
        Uni<RedisConnection> conn = c != null ? Uni.createFrom().item(c) : connect(slot);
        return conn.chain(x -> x.send(request)
                .ifNoItem().after(deadline).fail()
                .onFailure(RedisPipelines::connectionLost).invoke(t -> drop(slot, x)));
    }

    /** Close every connection (they return to the client, which closes broken ones). */
    void close() {
        for (int i = 0; i < size; i++) {
            RedisConnection c = live.getAndSet(i, null);
            if (c != null) {
                c.close().subscribe().with(v -> { }, t -> { });
            }
        }
    }

    private Uni<RedisConnection> connect(int slot) {
        while (true) {
            Uni<RedisConnection> pending = connecting.get(slot);
            if (pending != null) {
                return pending;
            }
            @SuppressWarnings("unchecked")
            Uni<RedisConnection>[] self = new Uni[1];
            self[0] = redis.connect()
                    .invoke(conn -> {
                        conn.exceptionHandler(t -> drop(slot, conn));
                        conn.endHandler(() -> drop(slot, conn));
                        live.set(slot, conn);
                    })
                    .onTermination().invoke(() -> connecting.compareAndSet(slot, self[0], null))
                    .memoize().indefinitely();
            if (connecting.compareAndSet(slot, null, self[0])) {
                return self[0];
            }
        }
    }

    private void drop(int slot, RedisConnection conn) {
        if (live.compareAndSet(slot, conn, null)) {
            conn.close().subscribe().with(v -> { }, t -> { });
        }
    }

    /** True for failures after which the connection cannot be trusted (not Redis error replies). */
    private static boolean connectionLost(Throwable t) {
        String cause = RedisRateLimiter.causeOf(t);
        return RateLimitMetrics.CAUSE_TIMEOUT.equals(cause) || RateLimitMetrics.CAUSE_CONNECTION.equals(cause)
                || RateLimitMetrics.CAUSE_OTHER.equals(cause);
    }
}
