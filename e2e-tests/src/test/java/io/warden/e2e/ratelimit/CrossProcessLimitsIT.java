package io.warden.e2e.ratelimit;

import static io.warden.e2e.ratelimit.LimitRuns.CLIENTS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.e2e.ratelimit.McpCaller.Answer;
import io.warden.testsupport.redis.RespClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 4, "What must be shown": the shared limiter is exact across processes. Three packaged gateways (separate
 * JVMs) share one real Redis; 64 concurrent clients call {@code echo} through them in turn, far faster than the
 * limit allows, for a fixed time. For each bucket the admitted calls must never exceed {@code burst + rate x elapsed}
 * and must reach at least 99% of it ({@link BucketCheck} documents how elapsed is bounded from above for the first
 * check and from below for the second).
 *
 * <p>Clock-skew immunity runs in every scenario: gateway 1 runs 5 minutes ahead ({@code clock-offset=PT5M}) and
 * gateway 2 7 minutes behind ({@code -PT7M}). A limiter that used gateway clocks would over-admit through the first
 * (its buckets would always look refilled) and starve the second; instead the bound must hold across all three, and
 * each gateway must get about its share of the admissions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossProcessLimitsIT {
    private static final Duration RUN = Duration.ofSeconds(8);
    /**
     * The limiter deadline of these gateways. This class measures exactness, not latency: on a 2-core CI machine
     * running three gateway JVMs, Redis and 64 client threads, a Redis answer sometimes waits longer than the 25 ms
     * default for a CPU, and a missed deadline is answered {@code (limiter unavailable)} under {@code closed}.
     * The deadline itself is tested with its default in {@link RedisOutageIT}.
     */
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final List<String> CLOCK_OFFSETS = Arrays.asList(null, "PT5M", "-PT7M");

    // Bursts of 4 s of refill: a short hiccup of the machine is absorbed by the bucket instead of wasting refill.
    // grant scope: 500 per 10 s = 50/s, burst 200 (bound ~600 calls in 8 s)
    private static final int GRANT_MAX = 500;
    private static final int GRANT_BURST = 200;
    // server scope, shared by three grants: same numbers
    private static final int SERVER_MAX = 500;
    private static final int SERVER_BURST = 200;
    // keyed on args.customer_id, three customers: 250 per 10 s = 25/s each, burst 100 (bound ~300 each)
    private static final int KEY_MAX = 250;
    private static final int KEY_BURST = 100;
    private static final List<String> CUSTOMERS = List.of("acme", "globex", "initech");
    private static final int SOAK_KEYS = 10_500;

    private LimitBed bed;

    @BeforeAll
    void start() {
        Map<String, Map<String, Object>> policies = Map.of(
                "warm", LimitBed.policy("closed", List.of(LimitBed.limit("warm", "10s", 100, 10, "grant", null))),
                "per_grant", LimitBed.policy("closed",
                        List.of(LimitBed.limit("calls", "10s", GRANT_MAX, GRANT_BURST, "grant", null))),
                "per_server", LimitBed.policy("closed",
                        List.of(LimitBed.limit("shared", "10s", SERVER_MAX, SERVER_BURST, "server", null))),
                "per_customer", LimitBed.policy("closed",
                        List.of(LimitBed.limit("customer", "10s", KEY_MAX, KEY_BURST, "grant", "args.customer_id"))),
                "soak", LimitBed.policy("closed",
                        List.of(LimitBed.limit("soak", "1h", 5, 5, "grant", "args.customer_id"))),
                "refundable", LimitBed.policy("closed",
                        List.of(LimitBed.limit("refundable", "1h", 3, 3, "grant", null))));
        Map<String, String> grants = new java.util.LinkedHashMap<>();
        grants.put("warm", "warm");
        grants.put("hot", "per_grant");
        grants.put("s1", "per_server");
        grants.put("s2", "per_server");
        grants.put("s3", "per_server");
        grants.put("keyed", "per_customer");
        grants.put("soak", "soak");
        grants.put("refund", "refundable");
        grants.put("no_refund", "refundable");
        long t0 = System.nanoTime();
        bed = LimitBed.start("limits", policies, grants, CLOCK_OFFSETS, DEADLINE);
        System.out.printf(Locale.ROOT, "[limits-e2e] 3 gateways healthy in %d ms (%s)%n",
                (System.nanoTime() - t0) / 1_000_000, bed.gateways);
        LimitRuns.warmUp(bed);
    }

    @AfterAll
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    @Order(1)
    void grantScopedLimitIsExactAcrossThreeProcesses() {
        LimitRuns.measure(bed, "grant scope", RUN, GRANT_BURST, GRANT_MAX / 10.0,
                n -> new Load.Call(bed.token("hot"), Map.of("n", n), "hot"), a -> "grant hot", answers -> { });
    }

    @Test
    @Order(2)
    void serverScopedLimitSharedByThreeGrantsIsExact() {
        List<String> grants = List.of("s1", "s2", "s3");
        LimitRuns.measure(bed, "server scope", RUN, SERVER_BURST, SERVER_MAX / 10.0, n -> {
            // n % 3 picks the gateway, n / 3 % 3 the grant: every grant goes through every gateway
            String g = grants.get((int) (n / 3 % 3));
            return new Load.Call(bed.token(g), Map.of("n", n), g);
        }, a -> "server fx (grants s1+s2+s3)", answers -> {
            for (String g : grants) {
                long admitted = answers.stream().filter(a -> a.label().equals(g) && a.admitted()).count();
                System.out.println("[limits-e2e]   grant " + g + " admitted " + admitted);
                assertTrue(admitted > 0, "grant " + g + " got nothing from the shared bucket");
            }
        });
    }

    @Test
    @Order(3)
    void keyedLimitKeepsOneExactBucketPerCustomer() {
        LimitRuns.measure(bed, "key args.customer_id", RUN, KEY_BURST, KEY_MAX / 10.0, n -> {
            String c = CUSTOMERS.get((int) (n / 3 % CUSTOMERS.size()));
            return new Load.Call(bed.token("keyed"), Map.of("customer_id", c, "n", n), c);
        }, a -> "customer_id=" + a.label(), answers -> { });
    }

    @Test
    @Order(4)
    void afterASoakOverManyKeysNoKeyLacksATtl() {
        long t0 = System.nanoTime();
        List<Answer> answers = Load.run(bed.caller, bed.gateways, LimitBed.SERVER, CLIENTS, Duration.ofSeconds(90),
                SOAK_KEYS, n -> new Load.Call(bed.token("soak"), Map.of("customer_id", "soak-" + n), "soak"));
        long soakMs = (System.nanoTime() - t0) / 1_000_000;
        long admitted = answers.stream().filter(Answer::admitted).count();
        assertEquals(SOAK_KEYS, answers.size(), "the soak ran out of time");
        // Every distinct key has a full bucket; only a stalled machine missing the deadline may deny one.
        assertTrue(answers.stream().allMatch(a -> a.admitted() || LimitRuns.UNAVAILABLE.equals(a.rule())),
                () -> "unexpected answer: " + answers.stream().filter(a -> !a.admitted()).findFirst().orElse(null));
        assertTrue(admitted >= 10_000, "at least 10,000 distinct keys charged, got " + admitted);

        long t1 = System.nanoTime();
        long keys = 0;
        long limiterKeys = 0;
        long soakKeys = 0;
        List<String> withoutTtl = new ArrayList<>();
        long maxSoakTtl = 0;
        try (RespClient redis = bed.redis.client()) {
            String cursor = "0";
            do {
                List<?> reply = (List<?>) redis.command("SCAN", cursor, "COUNT", "1000");
                cursor = (String) reply.get(0);
                for (Object k : (List<?>) reply.get(1)) {
                    String key = (String) k;
                    keys++;
                    long pttl = (Long) redis.command("PTTL", key);
                    if (pttl == -1) {
                        withoutTtl.add(key);
                    }
                    if (key.startsWith("wd:rl:")) {
                        limiterKeys++;
                    }
                    if (key.contains("soak-")) {
                        soakKeys++;
                        maxSoakTtl = Math.max(maxSoakTtl, pttl);
                    }
                }
            } while (!cursor.equals("0"));
        }
        System.out.printf(Locale.ROOT, "[limits-e2e] soak: %d calls with distinct keys in %d ms; SCAN+PTTL of %d keys "
                        + "(%d limiter keys, %d soak buckets) in %d ms: %d without TTL; longest soak TTL %d ms%n",
                admitted, soakMs, keys, limiterKeys, soakKeys, (System.nanoTime() - t1) / 1_000_000, withoutTtl.size(),
                maxSoakTtl);
        assertTrue(withoutTtl.isEmpty(), () -> withoutTtl.size() + " keys without TTL, e.g. "
                + withoutTtl.subList(0, Math.min(5, withoutTtl.size())));
        // one bucket per admitted key (a call that missed the deadline may still have made one)
        assertTrue(soakKeys >= admitted && soakKeys <= SOAK_KEYS, "soak buckets: " + soakKeys);
        // 5 per hour, burst 5: a full refill takes 1 h, so no TTL may exceed 2 h.
        assertTrue(maxSoakTtl <= Duration.ofHours(2).toMillis(), "TTL above twice the refill time: " + maxSoakTtl);
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    /**
     * Refund across processes: calls that provably never ran (upstream HTTP 400, JSON-RPC error -32602) give their token
     * back, on whichever gateway, so the shared bucket of 3 per hour still admits 3 good calls after 9 failed ones; calls
     * that may have run keep theirs: a tool result with {@code isError: true}, an upstream 500, a -32603 (see "Refunds"
     * in docs/rate-limiting.md).
     */
    @Test
    @Order(5)
    void callsThatNeverRanGiveTheirTokenBackButToolErrorsDoNot() {
        List<Answer> failed = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            failed.add(bed.call(i % 3, "refund", Map.of("fail", i < 6 ? "http400" : "rpc")));
        }
        assertTrue(failed.stream().noneMatch(a -> a.admitted() || a.kind() == McpCaller.Kind.DENIED),
                () -> "failed calls reach the upstream and fail: " + failed);
        // Refunds are sent after the answer: wait until the bucket is full again (the refund script deletes it).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> limiterKeys(":refundable|grant|refund").isEmpty());
        List<Answer> good = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            good.add(bed.call(i % 3, "refund", Map.of("i", i)));
        }
        System.out.println("[limits-e2e] refund: after 9 failed calls, good calls answered " + good.stream()
                .map(a -> a.admitted() ? "admitted" : a.rule()).toList());
        assertEquals(3, good.stream().filter(Answer::admitted).count(), "the 9 failed calls' tokens came back: " + good);
        assertEquals(LimitRuns.RULE, good.get(3).rule(), "then the bucket is empty: " + good);

        List<Answer> mayHaveRun = new ArrayList<>();
        List<String> kinds = List.of("tool", "http500", "rpc-internal");
        for (int i = 0; i < 3; i++) {
            mayHaveRun.add(bed.call(i % 3, "no_refund", Map.of("fail", kinds.get(i))));
        }
        assertTrue(mayHaveRun.get(0).detail() != null && mayHaveRun.get(0).detail().contains("tool failed"),
                () -> "the tool ran and reported an error: " + mayHaveRun);
        assertTrue(mayHaveRun.stream().noneMatch(a -> a.kind() == McpCaller.Kind.DENIED),
                () -> "each reached the upstream: " + mayHaveRun);
        Answer after = bed.call(0, "no_refund", Map.of("i", 0));
        System.out.println("[limits-e2e] refund: after an isError result, an upstream 500 and a -32603, the next call: "
                + (after.admitted() ? "admitted" : after.rule()));
        assertEquals(LimitRuns.RULE, after.rule(), "calls that may have run keep their tokens: " + after);
    }

    private List<String> limiterKeys(String endingWith) {
        List<String> found = new ArrayList<>();
        try (RespClient redis = bed.redis.client()) {
            String cursor = "0";
            do {
                List<?> reply = (List<?>) redis.command("SCAN", cursor, "MATCH", "wd:rl:*", "COUNT", "1000");
                cursor = (String) reply.get(0);
                for (Object k : (List<?>) reply.get(1)) {
                    if (((String) k).endsWith(endingWith)) {
                        found.add((String) k);
                    }
                }
            } while (!cursor.equals("0"));
        }
        return found;
    }
}
