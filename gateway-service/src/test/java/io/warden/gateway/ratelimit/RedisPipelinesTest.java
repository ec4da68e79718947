package io.warden.gateway.ratelimit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.TimeoutException;
import io.vertx.core.impl.VertxInternal;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.warden.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pipelines against a real redis-server: no deadline sweep is scheduled while nothing is in flight, deadlines fire
 * after idle spells, a reply that misses its deadline reaches the request's late handler, once, each event loop
 * pipelines on a connection of its own, and a silent connection's socket is closed rather than pooled again.
 */
class RedisPipelinesTest {

    static final Duration DEADLINE = Duration.ofMillis(50);
    static final Duration RETIRE_GRACE = Duration.ofSeconds(1);
    /** Timer and scheduling slack on a shared two-core machine. */
    static final long SLACK_MS = 500;

    RealRedis redis;
    RedisServer server;
    Vertx vertx;
    Redis client;
    ScheduledThreadPoolExecutor exec;
    final AtomicInteger schedules = new AtomicInteger();
    /** The threads the pipelines asked for a client on. */
    final List<String> clientsMadeOn = new CopyOnWriteArrayList<>();
    RedisPipelines pipelines;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(RedisServer.binaryAvailable(), "freezing Redis needs the machine's redis-server");
        redis = RealRedis.launch(RedisLimiterConfig.defaults());
        server = redis.server;
        vertx = redis.vertx;
        client = redis.client;
        exec = new ScheduledThreadPoolExecutor(1);
        pipelines = new RedisPipelines(() -> {
            clientsMadeOn.add(Thread.currentThread().getName());
            return client;
        }, 2, DEADLINE, (task, delay) -> {
            schedules.incrementAndGet();
            exec.schedule(task, delay, TimeUnit.NANOSECONDS);
        }, RETIRE_GRACE);
    }

    @AfterEach
    void stop() {
        if (redis != null) {
            redis.server.resume();
        }
        if (pipelines != null) {
            pipelines.close();
        }
        if (exec != null) {
            exec.shutdownNow();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private Response ping() {
        return pipelines.send(Request.cmd(Command.PING), DEADLINE).await().atMost(Duration.ofSeconds(5));
    }

    private void awaitIdle() {
        await().atMost(Duration.ofSeconds(5)).until(() -> !pipelines.sweeperArmed());
    }

    @Test
    void anIdlePipelineSchedulesNoSweeps() {
        assertEquals(0, schedules.get(), "nothing in flight yet");
        for (int i = 0; i < 100; i++) {
            assertEquals("PONG", ping().toString());
        }
        awaitIdle();
        int settled = schedules.get();
        assertTrue(settled >= 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> schedules.get() == settled);
        assertEquals(0, exec.getQueue().size());
    }

    @Test
    void deadlinesFireAfterIdleSpells() {
        for (int round = 0; round < 3; round++) {
            ping();
            awaitIdle();
            int settled = schedules.get();
            await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(3)).until(() -> schedules.get() == settled);
            server.pause();
            long start = System.nanoTime();
            Throwable t = assertThrows(Throwable.class, this::ping);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertInstanceOf(TimeoutException.class, t, "round " + round);
            assertTrue(ms >= DEADLINE.toMillis() - 2 && ms <= DEADLINE.toMillis() + SLACK_MS,
                    "round " + round + " took " + ms + " ms");
            server.resume();
        }
    }

    @Test
    void aLateReplyGoesToItsHandlerOnce() {
        String key = Charges.fresh("late");
        List<Long> late = new CopyOnWriteArrayList<>();
        server.pause();
        Throwable t = assertThrows(Throwable.class, () -> pipelines.send(Request.cmd(Command.INCR).arg(key), DEADLINE,
                (reply, sent) -> late.add(reply.toLong())).await().atMost(Duration.ofSeconds(5)));
        assertInstanceOf(TimeoutException.class, t);
        assertTrue(late.isEmpty());
        server.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> !late.isEmpty());
        assertEquals(List.of(1L), late);
        // The command did run; an answer in time never reaches the late handler.
        assertEquals(2L, pipelines.send(Request.cmd(Command.INCR).arg(key), DEADLINE,
                (reply, sent) -> late.add(-1L)).await().atMost(Duration.ofSeconds(5)).toLong());
        awaitIdle();
        assertEquals(List.of(1L), late);
        assertFalse(pipelines.sweeperArmed());
    }

    private static <T> T onContext(io.vertx.core.Context context, java.util.function.Supplier<T> work)
            throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> result.complete(work.get()));
        return result.get(5, TimeUnit.SECONDS);
    }

    /** Sends {@code request} from {@code context}'s event loop and waits for the answer. */
    private Response sendFrom(io.vertx.core.Context context, Request request) throws Exception {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        context.runOnContext(v -> pipelines.send(request, DEADLINE).subscribe()
                .with(answer::complete, answer::completeExceptionally));
        return answer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void eachEventLoopPipelinesOnItsOwnConnection() throws Exception {
        // New event-loop contexts are spread over the loops round robin: two in a row sit on two loops.
        io.vertx.core.Context a = ((VertxInternal) vertx.getDelegate()).createEventLoopContext();
        io.vertx.core.Context b = ((VertxInternal) vertx.getDelegate()).createEventLoopContext();
        long idA = sendFrom(a, Request.cmd(Command.CLIENT).arg("ID")).toLong();
        long idB = sendFrom(b, Request.cmd(Command.CLIENT).arg("ID")).toLong();
        // One client for the shared slots, then one made on each loop (a Vert.x Redis client's connections all live on
        // the loop it was created on).
        String loopA = onContext(a, () -> Thread.currentThread().getName());
        String loopB = onContext(b, () -> Thread.currentThread().getName());
        assertNotEquals(loopA, loopB);
        assertEquals(List.of(Thread.currentThread().getName(), loopA, loopB), clientsMadeOn);
        for (int i = 0; i < 10; i++) {
            assertEquals(idA, sendFrom(a, Request.cmd(Command.CLIENT).arg("ID")).toLong(), "loop a, call " + i);
            assertEquals(idB, sendFrom(b, Request.cmd(Command.CLIENT).arg("ID")).toLong(), "loop b, call " + i);
        }
        assertNotEquals(idA, idB);
        assertEquals(2, pipelines.loopSlots());
    }

    @Test
    void aSilentConnectionIsRetiredThenClosedNotPooled() throws Exception {
        io.vertx.core.Context loop = ((VertxInternal) vertx.getDelegate()).createEventLoopContext();
        long first = sendFrom(loop, Request.cmd(Command.CLIENT).arg("ID")).toLong();
        server.pause();
        Exception e = assertThrows(Exception.class, () -> sendFrom(loop, Request.cmd(Command.PING)));
        assertInstanceOf(TimeoutException.class, e.getCause());
        server.resume();
        long second = sendFrom(loop, Request.cmd(Command.CLIENT).arg("ID")).toLong();
        assertNotEquals(first, second, "a new connection replaces the silent one");
        // After the grace its socket closes; handed back to the client's pool it would stay open (and be lent again).
        await().atMost(Duration.ofSeconds(10)).until(() -> !sendFrom(loop, Request.cmd(Command.CLIENT).arg("LIST"))
                .toString().contains("id=" + first + " "));
    }
}
