package io.warden.gateway.ratelimit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.TimeoutException;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.warden.testsupport.redis.RedisServer;
import java.time.Duration;
import java.util.List;
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
 * after idle spells, and a reply that misses its deadline reaches the request's late handler, once.
 */
class RedisPipelinesTest {

    static final Duration DEADLINE = Duration.ofMillis(50);
    /** Timer and scheduling slack on a shared two-core machine. */
    static final long SLACK_MS = 500;

    RedisServer server;
    Vertx vertx;
    Redis client;
    ScheduledThreadPoolExecutor exec;
    final AtomicInteger schedules = new AtomicInteger();
    RedisPipelines pipelines;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(RedisServer.binaryAvailable(), "freezing Redis needs the machine's redis-server");
        server = RedisServer.launch();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, RedisLimiterConfig.defaults().redisOptions(List.of(server.uri())));
        exec = new ScheduledThreadPoolExecutor(1);
        pipelines = new RedisPipelines(client, 2, DEADLINE, (task, delay) -> {
            schedules.incrementAndGet();
            exec.schedule(task, delay, TimeUnit.NANOSECONDS);
        });
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.resume();
        }
        if (pipelines != null) {
            pipelines.close();
        }
        if (exec != null) {
            exec.shutdownNow();
        }
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (server != null) {
            server.close();
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
}
