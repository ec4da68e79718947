package io.warden.gateway.ratelimit;

import static io.warden.gateway.ratelimit.Charges.fresh;
import static io.warden.gateway.ratelimit.Charges.grant;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.warden.policy.LimitCharge;
import io.warden.policy.LimiterErrorMode;
import io.warden.testsupport.Commands;
import io.warden.testsupport.redis.RedisServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against a real three-master Redis Cluster on loopback, plus the one case a
 * cluster adds: a call mixing a global limit (its own slot) with grant limits.
 */
class RedisClusterRateLimiterTest extends RateLimiterContract {

    static final List<RedisServer> nodes = new ArrayList<>();
    static Vertx vertx;
    static Redis client;
    static RedisRateLimiter limiter;

    @BeforeAll
    static void startCluster() {
        Assumptions.assumeTrue(RedisServer.binaryAvailable(), "a Redis Cluster needs the machine's redis-server");
        Path cli = Commands.which("redis-cli", List.of("/usr/bin", "/usr/local/bin")).orElseThrow();
        List<String> create = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RedisServer n = RedisServer.launchClusterNode();
            nodes.add(n);
            create.add("127.0.0.1:" + n.port());
            endpoints.add(n.uri());
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = Commands.run(create, Path.of(System.getProperty("java.io.tmpdir")), Map.of(), Duration.ofSeconds(60))
                .output();
        assertTrue(out.contains("All 16384 slots covered"), out);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.stream().allMatch(n -> String.valueOf(n.command("CLUSTER", "INFO")).contains("cluster_state:ok")));
        vertx = Vertx.vertx();
        RedisLimiterConfig config = RedisLimiterConfig.defaults().withCluster(true).withDeadline(Duration.ofSeconds(2));
        client = Redis.createClient(vertx, config.redisOptions(endpoints));
        limiter = new RedisRateLimiter(client, config, () -> 1, Clock.systemUTC(), RateLimitMetrics.noop());
        limiter.loadScripts().await().atMost(Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        nodes.forEach(RedisServer::close);
    }

    @Override
    protected RateLimiter limiter() {
        return limiter;
    }

    @Override
    protected void passTime(long ms) {
        // Real time passes; the contract awaits the refill.
    }

    @Test
    void partitionsSpreadOverTheMasters() {
        for (int i = 0; i < 60; i++) {
            LimitCharge c = grant(fresh("spread"), 5, 5, 60_000, 1);
            LimitOutcome o = limiter.acquire("server-" + i, List.of(c)).await().atMost(Duration.ofSeconds(5));
            assertTrue(o.admitted());
            assertFalse(o.has(LimitFlag.LIMITER_UNAVAILABLE));
        }
        for (RedisServer n : nodes) {
            long keys = ((Number) n.command("DBSIZE")).longValue();
            assertTrue(keys > 0, "node " + n.port() + " holds no keys");
        }
    }

    @Test
    void globalLimitsInTheirOwnSlotStayAllOrNothing() {
        LimitCharge global = Charges.of(fresh("global"), "global", null, 1, 1, 3_600_000, 1, false,
                LimiterErrorMode.CLOSED);
        LimitCharge perGrant = grant(fresh("per-grant"), 5, 5, 3_600_000, 1);
        assertTrue(acquire(global, perGrant).admitted());
        LimitOutcome denied = acquire(global, perGrant);
        assertFalse(denied.admitted());
        assertEquals(global.rule(), denied.rule());
        // The grant bucket's take in the other slot is given back right away: 4 left, not 3.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() ->
                limiter.acquire("srv1", List.of(Charges.cost(perGrant, 0))).await().atMost(Duration.ofSeconds(5))
                        .buckets().get(0).tokensLeft() == 4);
        assertEquals(4, drain(10, perGrant));
    }
}
