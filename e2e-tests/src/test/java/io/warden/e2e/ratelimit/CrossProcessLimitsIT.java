package io.warden.e2e.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.e2e.ratelimit.McpCaller.Answer;
import io.warden.e2e.ratelimit.McpCaller.Kind;
import io.warden.testsupport.redis.RespClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
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
    private static final int CLIENTS = 64;
    private static final Duration RUN = Duration.ofSeconds(8);
    /**
     * The limiter deadline of these gateways. This class measures exactness, not latency: on a 2-core CI machine
     * running three gateway JVMs, Redis and 64 client threads, a Redis answer sometimes waits longer than the 25 ms
     * default for a CPU, and a missed deadline is answered {@code (limiter unavailable)} under {@code closed}.
     * The deadline itself is tested with its default in {@link RedisOutageIT}.
     */
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final List<String> CLOCK_OFFSETS = Arrays.asList(null, "PT5M", "-PT7M");

    private static final String RULE = "/all_tools/limits/0";
    private static final String UNAVAILABLE = "(limiter unavailable)";
    private static final long STALL_MS = 1_000;
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
                        List.of(LimitBed.limit("soak", "1h", 5, 5, "grant", "args.customer_id"))));
        Map<String, String> grants = new java.util.LinkedHashMap<>();
        grants.put("warm", "warm");
        grants.put("hot", "per_grant");
        grants.put("s1", "per_server");
        grants.put("s2", "per_server");
        grants.put("s3", "per_server");
        grants.put("keyed", "per_customer");
        grants.put("soak", "soak");
        long t0 = System.nanoTime();
        bed = LimitBed.start("limits", policies, grants, CLOCK_OFFSETS, DEADLINE);
        System.out.printf(Locale.ROOT, "[limits-e2e] 3 gateways healthy in %d ms (%s)%n",
                (System.nanoTime() - t0) / 1_000_000, bed.gateways);
        warmUp(bed);
    }

    /**
     * Warms the gateways (JIT, pools, the limiter script, the denial and upstream paths) in 2 s rounds until a round
     * is clean (every answer admitted or denied by the limit) and as fast as the one before, at most 30 s. On a busy
     * 2-core machine the first seconds of three fresh JVMs are far slower than what follows, and the exactness runs
     * must measure the limiter, not the warm-up.
     */
    static void warmUp(LimitBed bed) {
        double previous = 0;
        for (int round = 1; round <= 15; round++) {
            List<Answer> warm = Load.run(bed.caller, bed.gateways, LimitBed.SERVER, CLIENTS, Duration.ofSeconds(2),
                    n -> new Load.Call(bed.token("warm"), Map.of("i", n), "warm"));
            BucketCheck w = BucketCheck.of("warm-up " + round, 10, 10, warm);
            long[] lat = warm.stream().mapToLong(Answer::latencyMillis).sorted().toArray();
            boolean clean = warm.stream().allMatch(a -> a.admitted()
                    || (a.kind() == Kind.DENIED && a.rule().equals("/all_tools/limits/0")));
            System.out.printf(Locale.ROOT, "[limits-e2e] warm-up round %d: %.0f calls/s, p50 %d ms, max %d ms, %s%n",
                    round, w.offeredPerSecond(), lat[lat.length / 2], lat[lat.length - 1],
                    clean ? "clean" : "not clean, e.g. " + warm.stream().filter(a -> !a.admitted()
                            && !"/all_tools/limits/0".equals(a.rule())).findFirst().orElse(null));
            if (clean && w.offeredPerSecond() < previous * 1.2) {
                return;
            }
            previous = w.offeredPerSecond();
        }
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
        measure("grant scope", GRANT_BURST, GRANT_MAX / 10.0,
                n -> new Load.Call(bed.token("hot"), Map.of("n", n), "hot"), a -> "grant hot", answers -> { });
    }

    @Test
    @Order(2)
    void serverScopedLimitSharedByThreeGrantsIsExact() {
        List<String> grants = List.of("s1", "s2", "s3");
        measure("server scope", SERVER_BURST, SERVER_MAX / 10.0, n -> {
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
        measure("key args.customer_id", KEY_BURST, KEY_MAX / 10.0, n -> {
            String c = CUSTOMERS.get((int) (n / 3 % CUSTOMERS.size()));
            return new Load.Call(bed.token("keyed"), Map.of("customer_id", c, "n", n), c);
        }, a -> "customer_id=" + a.label(), answers -> { });
    }

    /**
     * Runs the load and checks every bucket. Over-admission fails at once, whatever happened. The 99% floor needs
     * the clients to keep the limiter busy all along; when the machine stalled (some answer took over
     * {@value #STALL_MS} ms: every client was stuck, nothing reached Redis, and a bucket that fills up during a stall
     * rightly drops its refill), the run is repeated once its buckets are full again, up to three times. The
     * machine this runs on in CI has 2 cores for three gateway JVMs, Redis, the upstream and 64 client threads.
     */
    private void measure(String scenario, double burst, double rate, LongFunction<Load.Call> calls,
                         Function<Answer, String> bucketOf, Consumer<List<Answer>> extra) {
        for (int attempt = 1; ; attempt++) {
            List<Answer> answers = Load.run(bed.caller, bed.gateways, LimitBed.SERVER, CLIENTS, RUN, calls);
            Map<String, List<Answer>> buckets = answers.stream()
                    .collect(Collectors.groupingBy(bucketOf, java.util.TreeMap::new, Collectors.toList()));
            long slowest = answers.stream().mapToLong(Answer::latencyMillis).max().orElse(0);
            boolean stalled = slowest > STALL_MS;
            System.out.printf(Locale.ROOT, "[limits-e2e] %s, attempt %d: %d calls, slowest answer %d ms%s%n", scenario,
                    attempt, answers.size(), slowest, stalled ? " (machine stalled)" : "");
            for (Map.Entry<String, List<Answer>> b : buckets.entrySet()) {
                BucketCheck check = BucketCheck.of(b.getKey(), burst, rate, b.getValue());
                System.out.println("[limits-e2e]   " + check);
                assertEquals(0, check.other(), () -> "answers neither admitted nor denied, e.g. " + firstOther(answers));
                List<String> rules = b.getValue().stream().filter(a -> a.kind() == Kind.DENIED).map(Answer::rule)
                        .distinct().toList();
                assertTrue(check.admitted() <= check.bound(), "over-admission: " + check);
                if (stalled) {
                    // A stalled machine can miss even this long deadline: such a call is denied as
                    // "(limiter unavailable)" under closed, which takes no token and cannot hide an over-admission.
                    assertTrue(List.of(RULE, UNAVAILABLE).containsAll(rules), "unexpected denials: " + rules);
                } else {
                    assertEquals(List.of(RULE), rules, "every denial names the limit");
                    assertTrue(check.overload() >= 3, "the clients must offer clearly more than the limit: " + check);
                    assertTrue(check.ofFloor() >= 0.99, "the limiter refuses too much: " + check);
                }
            }
            if (!stalled) {
                assertEveryGatewayGetsItsShare(answers);
                extra.accept(answers);
                return;
            }
            assertTrue(attempt < 3, "the machine stalled in three runs; over-admission never seen, the 99% floor "
                    + "could not be measured");
            sleep(Duration.ofMillis((long) (1000 * burst / rate) + 500)); // every bucket full again
        }
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
        assertEquals(SOAK_KEYS, admitted, () -> "every distinct key has a full bucket; first other answer: "
                + answers.stream().filter(a -> !a.admitted()).findFirst().orElse(null));

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
                SOAK_KEYS, soakMs, keys, limiterKeys, soakKeys, (System.nanoTime() - t1) / 1_000_000, withoutTtl.size(),
                maxSoakTtl);
        assertTrue(withoutTtl.isEmpty(), () -> withoutTtl.size() + " keys without TTL, e.g. "
                + withoutTtl.subList(0, Math.min(5, withoutTtl.size())));
        assertEquals(SOAK_KEYS, soakKeys, "one bucket per distinct key");
        // 5 per hour, burst 5: a full refill takes 1 h, so no TTL may exceed 2 h.
        assertTrue(maxSoakTtl <= Duration.ofHours(2).toMillis(), "TTL above twice the refill time: " + maxSoakTtl);
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every gateway, skewed clocks included, admits about its share: its admitted/offered ratio is within a factor
     * of two of the overall ratio (a gateway deciding with its own clock would be near 0 or far above).
     */
    private static void assertEveryGatewayGetsItsShare(List<Answer> answers) {
        double overall = (double) answers.stream().filter(Answer::admitted).count() / answers.size();
        Map<Integer, List<Answer>> byGw = answers.stream().collect(Collectors.groupingBy(Answer::gateway));
        for (int gw = 0; gw < CLOCK_OFFSETS.size(); gw++) {
            List<Answer> mine = byGw.getOrDefault(gw, List.of());
            long admitted = mine.stream().filter(Answer::admitted).count();
            double ratio = mine.isEmpty() ? 0 : (double) admitted / mine.size();
            String line = String.format(Locale.ROOT, "gw%d (clock offset %s): offered %d, admitted %d (%.2f%% vs %.2f%% "
                    + "overall)", gw, CLOCK_OFFSETS.get(gw), mine.size(), admitted, 100 * ratio, 100 * overall);
            System.out.println("[limits-e2e]   " + line);
            assertTrue(ratio >= overall / 2 && ratio <= overall * 2, "gateway out of line: " + line);
        }
    }

    private static String firstOther(List<Answer> answers) {
        return answers.stream().filter(a -> a.kind() == Kind.OTHER).findFirst().map(Answer::toString).orElse("none");
    }
}
