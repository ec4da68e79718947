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
    /** Per slot: when its connection last delivered a reply (System.nanoTime). */
    private final java.util.concurrent.atomic.AtomicLongArray lastReply;
    private final AtomicReferenceArray<Uni<RedisConnection>> connecting;
    private final AtomicInteger next = new AtomicInteger();

    RedisPipelines(Redis redis, int size) {
        this.redis = redis;
        this.size = Math.max(1, size);
        this.live = new AtomicReferenceArray<>(this.size);
        this.connecting = new AtomicReferenceArray<>(this.size);
        this.lastReply = new java.util.concurrent.atomic.AtomicLongArray(this.size);
    }

    /** Send {@code request} on the next connection; past {@code deadline} it fails and the connection is dropped. */
    Uni<Response> send(Request request, Duration deadline) {
        int slot = Math.floorMod(next.getAndIncrement(), size);
        RedisConnection c = live.get(slot);
        Uni<RedisConnection> conn = c != null ? Uni.createFrom().item(c) : connect(slot);
        long sent = System.nanoTime();
        return conn.chain(x -> x.send(request)
                .invoke(r -> lastReply.set(slot, System.nanoTime()))
                .ifNoItem().after(deadline).fail()
                .onFailure(t -> deadConnection(t, slot, sent)).invoke(t -> drop(slot, x)));
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

    /**
     * True for failures after which the connection cannot be trusted: connection errors, and a
     * missed deadline on a connection that delivered no reply at all since the request was sent
     * (a silent connection). A slow reply on a connection that is otherwise answering keeps it:
     * closing it would fail every other call in flight on it.
     */
    private boolean deadConnection(Throwable t, int slot, long sentNanos) {
        String cause = RedisRateLimiter.causeOf(t);
        if (RateLimitMetrics.CAUSE_TIMEOUT.equals(cause)) {
            return lastReply.get(slot) - sentNanos < 0;
        }
        return RateLimitMetrics.CAUSE_CONNECTION.equals(cause) || RateLimitMetrics.CAUSE_OTHER.equals(cause);
    }
}
