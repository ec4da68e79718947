package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.PooledRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Long-lived Redis connections: one per event loop that calls, plus a few for callers that are not on an event loop,
 * used round robin. Requests on one connection are pipelined (many in flight, answers in order), which is what lets one
 * gateway reach Redis' own throughput: a pool that lends one connection per request pays an acquire and release per
 * call and never pipelines.
 *
 * <p>Why per event loop: a Vert.x Redis connection lives on one event loop, the loop of the context its client was
 * created on (every connection of a client shares that one loop). A request sent on it from another loop is queued to
 * that loop and its answer queued back, two thread wake-ups per call (a few percent of a gateway's event-loop time
 * under load, and the call's continuation waits for a second thread to be scheduled). So each event loop gets a client
 * of its own, created on that loop, whose connection keeps the round trip on one thread, as the upstream clients do
 * ({@code UpstreamClients}).
 *
 * <p>Deadlines: every request joins a {@link DeadlineQueue} (a FIFO for those given the deadline
 * these pipelines were made with, a side list for any other), and a sweeper ticking
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
 * <p>A connection that fails or closes is dropped: its socket closed, not handed back to the
 * client's pool, where a later {@code connect()} could get it again. One that misses a deadline
 * without delivering any reply since the request was sent is retired: it takes no more requests,
 * and its socket closes after {@link #RETIRE_GRACE}, time for the late replies of a Redis that was
 * only slow. The next request on the slot opens a new connection (concurrent callers share that
 * attempt). Nothing here retries a request.
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

    /**
     * How long a silent connection stays open after it stops taking requests: a slow Redis (not a dead one) still
     * delivers the replies of requests that missed their deadlines, and the late-reply handlers give their tokens back.
     */
    static final Duration RETIRE_GRACE = Duration.ofSeconds(30);

    /** Makes a client; called on each event loop that charges, and once at construction for the shared slots. */
    private final Supplier<Redis> clients;
    private final DeadlineQueue.Timer timer;
    private final long retireGraceNanos;
    /** For callers off the event loops (start-up, tests), round robin. */
    private final Slot[] shared;
    private final AtomicInteger next = new AtomicInteger();
    /** The calling event loop's own slot. */
    private final ThreadLocal<Slot> perLoop = new ThreadLocal<>();
    /** Every slot an event loop has made, for {@link #close()}. */
    private final List<Slot> loopSlots = new CopyOnWriteArrayList<>();
    private final DeadlineQueue inFlight;
    /** The usual deadline: requests given it keep the queue's FIFO in deadline order. */
    private final long sharedDeadlineNanos;

    /** One connection, the attempt to open it, and when it last answered. */
    private static final class Slot {
        final Redis client;
        final AtomicReference<RedisConnection> live = new AtomicReference<>();
        final AtomicReference<Uni<RedisConnection>> connecting = new AtomicReference<>();
        /** When the connection last delivered a reply (System.nanoTime). */
        volatile long lastReply;

        Slot(Redis client) {
            this.client = client;
        }
    }

    /** One request in flight: completed by its reply, or failed by the sweeper. */
    private final class Pending extends DeadlineQueue.Entry {
        final long sentNanos;
        final Slot slot;
        final UniEmitter<? super Response> emitter;
        volatile RedisConnection connection;

        Pending(long sentNanos, long deadlineNanos, Slot slot, UniEmitter<? super Response> emitter) {
            super(deadlineNanos);
            this.sentNanos = sentNanos;
            this.slot = slot;
            this.emitter = emitter;
        }

        @Override
        protected void onExpired() {
            RedisConnection c = connection;
            if (c != null && slot.lastReply - sentNanos < 0) {
                retire(slot, c); // silent since the request was sent
            }
            emitter.fail(new TimeoutException());
        }
    }

    /**
     * @param clients makes the Redis clients these pipelines connect with (see the class comment); a supplier that
     *                always returns one client also works, with every connection on that client's loop
     * @param shared  connections for callers that are not on an event loop
     */
    RedisPipelines(Supplier<Redis> clients, int shared, Duration deadline) {
        this(clients, shared, deadline, SHARED_TIMER);
    }

    /** With {@code timer} in place of the shared sweeper thread (tests count what it schedules). */
    RedisPipelines(Supplier<Redis> clients, int shared, Duration deadline, DeadlineQueue.Timer timer) {
        this(clients, shared, deadline, timer, RETIRE_GRACE);
    }

    /** With {@code retireGrace} in place of {@link #RETIRE_GRACE} (tests). */
    RedisPipelines(Supplier<Redis> clients, int shared, Duration deadline, DeadlineQueue.Timer timer,
                   Duration retireGrace) {
        this.clients = clients;
        this.timer = timer;
        this.retireGraceNanos = retireGrace.toNanos();
        this.shared = new Slot[Math.max(1, shared)];
        Redis offLoop = clients.get();
        for (int i = 0; i < this.shared.length; i++) {
            this.shared[i] = new Slot(offLoop);
        }
        this.sharedDeadlineNanos = deadline.toNanos();
        long tickNanos = Math.max(1_000_000, deadline.toNanos() / 10);
        this.inFlight = new DeadlineQueue(timer, tickNanos, System::nanoTime);
    }

    /** Send {@code request} on the caller's connection; past {@code deadline} it fails with a {@link TimeoutException}. */
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
            Slot slot = slot();
            long sent = System.nanoTime();
            Pending p = new Pending(sent, sent + deadline.toNanos(), slot, em);
            if (deadline.toNanos() == sharedDeadlineNanos) {
                inFlight.add(p);
            } else {
                inFlight.addWithOwnDeadline(p); // a retry with what is left of its call's: not in FIFO order
            }
            RedisConnection c = slot.live.get();
            Uni<RedisConnection> conn = c != null ? Uni.createFrom().item(c) : connect(slot);
            conn.chain(x -> {
                p.connection = x;
                return x.send(request);
            }).subscribe().with(reply -> {
                slot.lastReply = System.nanoTime();
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

    /** The calling event loop's slot (made on its first call), or the next shared one off the event loops. */
    private Slot slot() {
        if (!Context.isOnEventLoopThread()) {
            return shared[Math.floorMod(next.getAndIncrement(), shared.length)];
        }
        Slot s = perLoop.get();
        if (s == null) {
            s = new Slot(clients.get()); // created here, on this loop: its connections live on it
            perLoop.set(s);
            loopSlots.add(s);
        }
        return s;
    }

    /** How many event loops have a slot of their own (tests). */
    int loopSlots() {
        return loopSlots.size();
    }

    /** True while the deadline sweeper is scheduled (tests). */
    boolean sweeperArmed() {
        return inFlight.armed();
    }

    /**
     * Close every connection. Requests still in flight keep their deadlines; the sweeper stops
     * by itself once they are settled.
     */
    void close() {
        List<Slot> all = new ArrayList<>(List.of(shared));
        all.addAll(loopSlots);
        for (Slot slot : all) {
            RedisConnection c = slot.live.getAndSet(null);
            if (c != null) {
                closeSocket(c);
            }
        }
    }

    private Uni<RedisConnection> connect(Slot slot) {
        while (true) {
            Uni<RedisConnection> pending = slot.connecting.get();
            if (pending != null) {
                return pending;
            }
            @SuppressWarnings("unchecked")
            Uni<RedisConnection>[] self = new Uni[1];
            // Subscribed on the calling thread: an event loop's connection is opened from, and so lives on, that loop.
            self[0] = slot.client.connect()
                    .invoke(conn -> {
                        conn.exceptionHandler(t -> drop(slot, conn));
                        conn.endHandler(() -> drop(slot, conn));
                        slot.live.set(conn);
                    })
                    .onTermination().invoke(() -> slot.connecting.compareAndSet(self[0], null))
                    .memoize().indefinitely();
            if (slot.connecting.compareAndSet(null, self[0])) {
                return self[0];
            }
        }
    }

    private void drop(Slot slot, RedisConnection conn) {
        if (slot.live.compareAndSet(conn, null)) {
            closeSocket(conn);
        }
    }

    /** Take a silent connection out of use at once; close its socket after {@link #RETIRE_GRACE}. */
    private void retire(Slot slot, RedisConnection conn) {
        if (slot.live.compareAndSet(conn, null)) {
            timer.schedule(() -> closeSocket(conn), retireGraceNanos);
        }
    }

    /**
     * Close the connection's socket. {@code close()} alone would hand a pooled connection back to its client's pool,
     * where the slot's next {@code connect()} would get the same, possibly silent, socket.
     */
    private static void closeSocket(RedisConnection conn) {
        if (conn.getDelegate() instanceof PooledRedisConnection pooled) {
            // The socket's end evicts the connection from the pool; recycling it as well could lend it out meanwhile.
            pooled.actual().forceClose();
        } else {
            conn.close().subscribe().with(v -> { }, t -> { });
        }
    }

    /** True for an error reply from Redis (NOSCRIPT, ERR ...): the connection itself is fine. */
    private static boolean isReplyError(Throwable t) {
        String cause = RedisRateLimiter.causeOf(t);
        return RateLimitMetrics.CAUSE_NOSCRIPT.equals(cause) || RateLimitMetrics.CAUSE_SCRIPT.equals(cause);
    }
}
