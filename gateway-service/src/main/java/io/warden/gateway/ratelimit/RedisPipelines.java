package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A few long-lived Redis connections, used round robin. Requests on one connection are
 * pipelined (many in flight, answers in order), which is what lets one gateway reach Redis'
 * own throughput: a pool that lends one connection per request pays an acquire and release
 * per call and never pipelines.
 *
 * <p>Deadlines: every request joins one FIFO, a {@link DeadlineQueue}, and a sweeper ticking
 * every tenth of the deadline (at least 1 ms) fails the requests whose deadline has passed, so
 * a deadline fires up to one tick late. The sweeper ticks only while requests are in flight:
 * the first request after an idle spell arms it, and it stops once the queue is empty, so an
 * idle gateway is never woken (a fixed-rate tick cost 400 wake-ups a second at the default
 * 25 ms deadline, half of an idle gateway's CPU). All pipelines share the sweeper's one thread.
 *
 * <p>Late replies: a request failed by its deadline may still have run in Redis, and its reply
 * may still arrive. That reply goes to the request's {@link LateReply} (the caller has already
 * been told the request failed); every other late answer is ignored.
 *
 * <p>A connection that fails, closes, or misses a deadline without delivering any reply since
 * the request was sent, is dropped; the next request on its slot opens a new one (concurrent
 * callers share that attempt). Nothing here retries a request.
 */
final class RedisPipelines {

    /** Receives the reply of a request that had already missed its deadline. */
    interface LateReply {
        /** @param sentNanos when the request was sent ({@link System#nanoTime()}) */
        void accept(Response reply, long sentNanos);
    }

    /** For requests whose late replies do not matter. */
    static final LateReply IGNORE_LATE = (reply, sentNanos) -> { };

    private static final ScheduledExecutorService SWEEPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "warden-ratelimit-deadlines");
        t.setDaemon(true);
        return t;
    });
    private static final DeadlineQueue.Timer SHARED_TIMER =
            (task, delayNanos) -> SWEEPER.schedule(task, delayNanos, TimeUnit.NANOSECONDS);

    private final Redis redis;
    private final int size;
    private final AtomicReferenceArray<RedisConnection> live;
    private final AtomicReferenceArray<Uni<RedisConnection>> connecting;
    /** Per slot: when its connection last delivered a reply (System.nanoTime). */
    private final AtomicLongArray lastReply;
    private final AtomicInteger next = new AtomicInteger();
    private final DeadlineQueue inFlight;

    /** One request in flight: completed by its reply, or failed by the sweeper. */
    private final class Pending extends DeadlineQueue.Entry {
        final long sentNanos;
        final int slot;
        final UniEmitter<? super Response> emitter;
        volatile RedisConnection connection;

        Pending(long sentNanos, long deadlineNanos, int slot, UniEmitter<? super Response> emitter) {
            super(deadlineNanos);
            this.sentNanos = sentNanos;
            this.slot = slot;
            this.emitter = emitter;
        }

        @Override
        protected void onExpired() {
            RedisConnection c = connection;
            if (c != null && lastReply.get(slot) - sentNanos < 0) {
                drop(slot, c); // silent since the request was sent
            }
            emitter.fail(new TimeoutException());
        }
    }

    RedisPipelines(Redis redis, int size, Duration deadline) {
        this(redis, size, deadline, SHARED_TIMER);
    }

    /** With {@code timer} in place of the shared sweeper thread (tests count what it schedules). */
    RedisPipelines(Redis redis, int size, Duration deadline, DeadlineQueue.Timer timer) {
        this.redis = redis;
        this.size = Math.max(1, size);
        this.live = new AtomicReferenceArray<>(this.size);
        this.connecting = new AtomicReferenceArray<>(this.size);
        this.lastReply = new AtomicLongArray(this.size);
        long tickNanos = Math.max(1_000_000, deadline.toNanos() / 10);
        this.inFlight = new DeadlineQueue(timer, tickNanos, System::nanoTime);
    }

    /** Send {@code request} on the next connection; past {@code deadline} it fails with a {@link TimeoutException}. */
    Uni<Response> send(Request request, Duration deadline) {
        return send(request, deadline, IGNORE_LATE);
    }

    /**
     * As {@link #send(Request, Duration)}; a reply that arrives after the deadline failed the
     * request goes to {@code late} instead, on the connection's event loop. At most once per
     * request, and never for a request that was answered in time.
     */
    Uni<Response> send(Request request, Duration deadline, LateReply late) {
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
                if (p.answer()) {
                    em.complete(reply);
                } else if (p.expired()) {
                    try {
                        late.accept(reply, p.sentNanos);
                    } catch (RuntimeException e) {
                        // The late handler's own problem; the connection and the other requests are fine.
                    }
                }
            }, failure -> {
                if (p.connection != null && !isReplyError(failure)) {
                    drop(slot, p.connection);
                }
                if (p.answer()) {
                    em.fail(failure);
                }
            });
        });
    }

    /** True while the deadline sweeper is scheduled (tests). */
    boolean sweeperArmed() {
        return inFlight.armed();
    }

    /**
     * Close every connection (they return to the client, which closes broken ones). Requests
     * still in flight keep their deadlines; the sweeper stops by itself once they are settled.
     */
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

    /** True for an error reply from Redis (NOSCRIPT, ERR ...): the connection itself is fine. */
    private static boolean isReplyError(Throwable t) {
        String cause = RedisRateLimiter.causeOf(t);
        return RateLimitMetrics.CAUSE_NOSCRIPT.equals(cause) || RateLimitMetrics.CAUSE_SCRIPT.equals(cause);
    }
}
