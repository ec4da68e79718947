package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A few long-lived Redis connections, used round robin. Requests on one connection are
 * pipelined (many in flight, answers in order), which is what lets one gateway reach Redis'
 * own throughput: a pool that lends one connection per request pays an acquire and release
 * per call and never pipelines.
 *
 * <p>Deadlines: every request joins one FIFO queue, and a sweeper ticking every tenth of the
 * deadline (at least 1 ms) fails the requests whose deadline has passed. All requests share
 * one deadline, so the queue is in deadline order and the sweep only looks at its head. This
 * costs a queue insertion per request, where a scheduled timer per request (a lock and often
 * a thread wake-up each) measured at a third of the throughput. A deadline therefore fires up
 * to one tick late.
 *
 * <p>A connection that fails, closes, or misses a deadline without delivering any reply since
 * the request was sent, is dropped; the next request on its slot opens a new one (concurrent
 * callers share that attempt). Nothing here retries a request.
 */
final class RedisPipelines {

    private static final ScheduledExecutorService SWEEPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "warden-ratelimit-deadlines");
        t.setDaemon(true);
        return t;
    });

    private final Redis redis;
    private final int size;
    private final AtomicReferenceArray<RedisConnection> live;
    private final AtomicReferenceArray<Uni<RedisConnection>> connecting;
    /** Per slot: when its connection last delivered a reply (System.nanoTime). */
    private final AtomicLongArray lastReply;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedQueue<Pending> inFlight = new ConcurrentLinkedQueue<>();
    private final ScheduledFuture<?> sweep;

    /** One request in flight: completed by its reply, or failed by the sweeper. */
    private static final class Pending extends AtomicBoolean {
        final long sentNanos;
        final long deadlineNanos;
        final int slot;
        final UniEmitter<? super Response> emitter;
        volatile RedisConnection connection;

        Pending(long sentNanos, long deadlineNanos, int slot, UniEmitter<? super Response> emitter) {
            this.sentNanos = sentNanos;
            this.deadlineNanos = deadlineNanos;
            this.slot = slot;
            this.emitter = emitter;
        }

        /** True exactly once: for whoever settles the request first. */
        boolean settle() {
            return compareAndSet(false, true);
        }
    }

    RedisPipelines(Redis redis, int size, Duration deadline) {
        this.redis = redis;
        this.size = Math.max(1, size);
        this.live = new AtomicReferenceArray<>(this.size);
        this.connecting = new AtomicReferenceArray<>(this.size);
        this.lastReply = new AtomicLongArray(this.size);
        long tickMicros = Math.max(1_000, deadline.toNanos() / 10_000);
        this.sweep = SWEEPER.scheduleAtFixedRate(this::sweep, tickMicros, tickMicros, TimeUnit.MICROSECONDS);
    }

    /** Send {@code request} on the next connection; past {@code deadline} it fails with a {@link TimeoutException}. */
    Uni<Response> send(Request request, Duration deadline) {
        return Uni.createFrom().emitter(em -> {
            int slot = Math.floorMod(next.getAndIncrement(), size);
            long sent = System.nanoTime();
            Pending p = new Pending(sent, sent + deadline.toNanos(), slot, em);
            inFlight.add(p);
            RedisConnection c = live.get(slot);
            Uni<RedisConnection> conn = c != null ? Uni.createFrom().item(c) : connect(slot);
            conn.chain(x -> {
                p.connection = x;
                return x.send(request);
            }).subscribe().with(reply -> {
                lastReply.set(slot, System.nanoTime());
                if (p.settle()) {
                    em.complete(reply);
                }
            }, failure -> {
                if (p.connection != null && !isReplyError(failure)) {
                    drop(slot, p.connection);
                }
                if (p.settle()) {
                    em.fail(failure);
                }
            });
        });
    }

    /** Stop the sweeper and close every connection (they return to the client, which closes broken ones). */
    void close() {
        sweep.cancel(false);
        for (int i = 0; i < size; i++) {
            RedisConnection c = live.getAndSet(i, null);
            if (c != null) {
                c.close().subscribe().with(v -> { }, t -> { });
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        Pending p;
        while ((p = inFlight.peek()) != null) {
            if (p.get()) {
                inFlight.poll();
                continue;
            }
            if (p.deadlineNanos - now > 0) {
                return;
            }
            inFlight.poll();
            if (p.settle()) {
                RedisConnection c = p.connection;
                if (c != null && lastReply.get(p.slot) - p.sentNanos < 0) {
                    drop(p.slot, c); // silent since the request was sent
                }
                try {
                    p.emitter.fail(new TimeoutException());
                } catch (RuntimeException e) {
                    // A subscriber's failure handler threw: nothing the sweeper can do, keep sweeping.
                }
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

    /** True for an error reply from Redis (NOSCRIPT, ERR ...): the connection itself is fine. */
    private static boolean isReplyError(Throwable t) {
        String cause = RedisRateLimiter.causeOf(t);
        return RateLimitMetrics.CAUSE_NOSCRIPT.equals(cause) || RateLimitMetrics.CAUSE_SCRIPT.equals(cause);
    }
}
