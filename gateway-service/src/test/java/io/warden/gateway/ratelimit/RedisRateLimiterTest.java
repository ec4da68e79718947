package io.warden.gateway.ratelimit;

import static io.warden.gateway.ratelimit.Charges.fresh;
import static io.warden.gateway.ratelimit.Charges.grant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.warden.policy.LimitCharge;
import io.warden.testsupport.redis.RedisServer;
import io.warden.policy.LimiterErrorMode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against one real {@code redis-server}, plus what only Redis has: TTLs, NOSCRIPT, commands per call. */
class RedisRateLimiterTest extends RateLimiterContract {

    static RealRedis redis;
    static RedisServer server;
    static Redis client;
    static RedisRateLimiter limiter;

    @BeforeAll
    static void startRedis() {
        // A generous deadline: a cold JIT on a shared 2-core machine must not turn into fallbacks here.
        RedisLimiterConfig config = RedisLimiterConfig.defaults().withDeadline(Duration.ofSeconds(2));
        redis = RealRedis.launch(config);
        server = redis.server;
        client = redis.client;
        limiter = new RedisRateLimiter(client, config, () -> 1, Clock.systemUTC(), RateLimitMetrics.noop());
        limiter.loadScripts().await().atMost(Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected RateLimiter limiter() {
        return limiter;
    }

    @Override
    protected void passTime(long ms) {
        // Real time passes; the contract awaits the refill.
    }

    static Response send(Request r) {
        return client.send(r).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void everyKeyHasATtlAfterASoakOverManyKeys() {
        // The soak: 100,000 distinct keys. Buckets refill over an hour, so no soak key can expire
        // while the test runs, however slow the machine: every one must be found, each with a TTL.
        int n = 100_000;
        List<Uni<LimitOutcome>> calls = new ArrayList<>();
        String base = fresh("soak");
        for (int i = 0; i < n; i++) {
            LimitCharge c = Charges.of(base, "grant", "g" + i, 5, 5, 3_600_000, 1, false, LimiterErrorMode.CLOSED);
            LimitCharge s = Charges.of(base + "s", "server", "srv1", 1_000_000, 1_000_000, 3_600_000, 1, false,
                    LimiterErrorMode.CLOSED);
            calls.add(limiter.acquire("srv1", List.of(c, s)));
            if (calls.size() == 500) {
                Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(30))
                        .forEach(o -> assertTrue(o.admitted()));
                calls.clear();
            }
        }
        String cursor = "0";
        int keys = 0;
        do {
            Response page = send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(RedisKeys.PREFIX + "*")
                    .arg("COUNT").arg(1000));
            cursor = page.get(0).toString();
            List<String> names = new ArrayList<>();
            List<Request> ttls = new ArrayList<>();
            for (Response k : page.get(1)) {
                names.add(k.toString());
                ttls.add(Request.cmd(Command.PTTL).arg(k.toString()));
            }
            List<Response> pttls = ttls.isEmpty() ? List.of() : client.batch(ttls).await().atMost(Duration.ofSeconds(30));
            for (int i = 0; i < names.size(); i++) {
                String k = names.get(i);
                long pttl = pttls.get(i).toLong();
                // -1 = no TTL (never allowed), -2 = expired meanwhile. Other tests' keys share the
                // server; the soak's own keys are held to their own cap: twice the full refill time.
                assertTrue(pttl == -2 || pttl > 0, k + " has PTTL " + pttl);
                if (k.contains(base + "|")) {
                    assertTrue(pttl > 0 && pttl <= 2 * 3_600_000, k + " has PTTL " + pttl);
                    keys++;
                } else if (k.contains(base + "s|")) {
                    assertTrue(pttl <= 2 * 3_600_000, k + " has PTTL " + pttl);
                }
            }
        } while (!"0".equals(cursor));
        assertTrue(keys >= n, "keys " + keys);
    }

    @Test
    void keysFollowTheDocumentedLayout() {
        LimitCharge c = grant(fresh("layout"), 2, 2, 1_000, 1);
        assertTrue(acquire(c).admitted());
        String key = "wd:rl:{srv1}:" + c.key();
        String value = send(Request.cmd(Command.GET).arg(key)).toString();
        assertTrue(value.matches("\\d+:\\d+"), value);
        long pttl = send(Request.cmd(Command.PTTL).arg(key)).toLong();
        assertTrue(pttl > 0 && pttl <= 501, "" + pttl); // one token = 500 ms to refill (+1 ms)
    }

    @Test
    void reloadsTheScriptAfterNoscript() {
        LimitCharge c = grant(fresh("flush"), 3, 3, 3_600_000, 1);
        assertTrue(acquire(c).admitted());
        send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
        LimitOutcome o = acquire(c);
        assertTrue(o.admitted());
        assertFalse(o.has(LimitFlag.LIMITER_UNAVAILABLE));
        assertEquals(1, o.buckets().get(0).tokensLeft());
        assertEquals(1, send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(limiter.acquireSha())).get(0).toLong());
    }

    @Test
    void oneRedisCommandPerDecision() {
        LimitCharge a = grant(fresh("cmd-a"), 1_000, 1_000, 60_000, 1);
        LimitCharge b = Charges.of(fresh("cmd-b"), "server", "srv1", 1_000, 1_000, 60_000, 1, false,
                LimiterErrorMode.CLOSED);
        acquire(a, b);
        send(Request.cmd(Command.CONFIG).arg("RESETSTAT"));
        for (int i = 0; i < 200; i++) {
            acquire(a, b);
        }
        String info = send(Request.cmd(Command.INFO).arg("commandstats")).toString();
        assertEquals(200, calls(info, "evalsha"), info);
        assertEquals(0, calls(info, "eval"), info);
    }

    @Test
    void gatewayClocksDoNotMatter() {
        // Two gateways, one with its clock ten minutes ahead: Redis TIME decides, so they share exactly.
        RedisRateLimiter skewed = new RedisRateLimiter(client,
                RedisLimiterConfig.defaults().withDeadline(Duration.ofSeconds(2)), () -> 1,
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)), RateLimitMetrics.noop());
        LimitCharge c = grant(fresh("skew"), 4, 4, 3_600_000, 1);
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            RateLimiter l = i % 2 == 0 ? limiter : skewed;
            if (l.acquire("srv1", List.of(c)).await().atMost(Duration.ofSeconds(5)).admitted()) {
                admitted++;
            }
        }
        assertEquals(4, admitted);
    }

    @Test
    void exactUnderConcurrencyWithRefill() throws Exception {
        // Burst 100, then 200 per second, 16 callers for 2 s: admitted = burst + rate × elapsed − tokens left,
        // never more (zero over-admission) and at least 99 % of it.
        LimitCharge c = grant(fresh("exact"), 100, 200, 1_000, 1);
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        // Refill runs from the first take to the last: bracket those instants from the client side.
        java.util.concurrent.atomic.AtomicLong firstAdmittedAt = new java.util.concurrent.atomic.AtomicLong(
                Long.MAX_VALUE);
        java.util.concurrent.atomic.AtomicLong lastSentAt = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(2).toNanos();
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            futures.add(pool.submit(() -> {
                long sent;
                while ((sent = System.nanoTime()) < end) {
                    lastSentAt.accumulateAndGet(sent, Math::max);
                    if (acquire(c).admitted()) {
                        admitted.incrementAndGet();
                        firstAdmittedAt.accumulateAndGet(System.nanoTime(), Math::min);
                    }
                }
            }));
        }
        for (var f : futures) {
            f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        long left = acquire(Charges.cost(c, 0)).buckets().get(0).tokensLeft();
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        double ceiling = 100 + 200 * elapsed;
        assertTrue(admitted.get() <= ceiling, "over-admitted: " + admitted + " > " + ceiling);
        double busy = Math.max(0, (lastSentAt.get() - firstAdmittedAt.get()) / 1e9);
        assertTrue(admitted.get() + left >= 0.99 * (100 + 200 * busy),
                "refused too much: " + admitted + " admitted, " + left + " left, busy " + busy + " s");
    }

    /** Calls of one command in {@code INFO commandstats}; 0 when absent. */
    static long calls(String info, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
