package io.warden.e2e.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.e2e.ratelimit.McpCaller.Answer;
import io.warden.e2e.ratelimit.McpCaller.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/** Load runs with their exactness checks, shared by the limiter ITs. */
final class LimitRuns {
    /** Concurrent clients of every exactness run. */
    static final int CLIENTS = 64;
    /** The rule of the one limit of the test policies. */
    static final String RULE = "/all_tools/limits/0";
    /** The rule of a call denied because the limiter could not answer (mode {@code closed}). */
    static final String UNAVAILABLE = "(limiter unavailable)";

    private LimitRuns() {}

    /**
     * Warms the gateways (JIT, pools, the limiter script, the denial and upstream paths) through grant
     * {@code warm} in 2 s rounds until a round is clean (every answer admitted or denied by the limit) and no
     * faster than the one before, at most 30 s. On a busy 2-core machine the first seconds of three fresh JVMs are far
     * slower than what follows, and the exactness runs must measure the limiter, not the warm-up.
     */
    static void warmUp(LimitBed bed) {
        double previous = 0;
        for (int round = 1; round <= 15; round++) {
            List<Answer> warm = Load.run(bed.caller, bed.gateways, LimitBed.SERVER, CLIENTS, Duration.ofSeconds(2),
                    n -> new Load.Call(bed.token("warm"), Map.of("i", n), "warm"));
            BucketCheck w = BucketCheck.of("warm-up " + round, 10, 10, warm);
            long[] lat = warm.stream().mapToLong(Answer::latencyMillis).sorted().toArray();
            boolean clean = warm.stream().allMatch(a -> a.admitted() || (a.kind() == Kind.DENIED && RULE.equals(a.rule())));
            System.out.printf(Locale.ROOT, "[limits-e2e] warm-up round %d: %.0f calls/s, p50 %d ms, max %d ms, %s%n",
                    round, w.offeredPerSecond(), lat[lat.length / 2], lat[lat.length - 1],
                    clean ? "clean" : "not clean, e.g. " + warm.stream()
                            .filter(a -> !a.admitted() && !RULE.equals(a.rule())).findFirst().orElse(null));
            if (clean && w.offeredPerSecond() < previous * 1.2) {
                return;
            }
            previous = w.offeredPerSecond();
        }
    }

    /**
     * Runs {@link #CLIENTS} clients for {@code duration} and checks every bucket (answers grouped by
     * {@code bucketOf}) with {@link BucketCheck}. Over-admission fails at once, whatever happened. The 99% floor needs
     * the clients to keep the limiter busy all along; when the machine stalled (some answer took over half the time
     * an empty bucket takes to fill: every client was stuck, nothing reached Redis, and a bucket that fills up during a
     * stall rightly drops its refill) or some call missed the limiter deadline (denied {@value #UNAVAILABLE} without a
     * token, though its script may still have taken one), the run is repeated once its buckets are full again, up to
     * three times. The machine
     * this runs on in CI has 2 cores for three gateway JVMs, Redis, the upstream and 64 client threads.
     *
     * @param extra more checks of an unstalled run's answers
     */
    static void measure(LimitBed bed, String scenario, Duration duration, double burst, double rate,
                        LongFunction<Load.Call> calls, Function<Answer, String> bucketOf, Consumer<List<Answer>> extra) {
        measure(bed, scenario, CLIENTS, duration, burst, rate, calls, bucketOf, extra);
    }

    /** As above with {@code clients} clients. */
    static void measure(LimitBed bed, String scenario, int clients, Duration duration, double burst, double rate,
                        LongFunction<Load.Call> calls, Function<Answer, String> bucketOf, Consumer<List<Answer>> extra) {
        for (int attempt = 1; ; attempt++) {
            List<Answer> answers = Load.run(bed.caller, bed.gateways, LimitBed.SERVER, clients, duration, calls);
            Map<String, List<Answer>> buckets = answers.stream()
                    .collect(Collectors.groupingBy(bucketOf, TreeMap::new, Collectors.toList()));
            long slowest = answers.stream().mapToLong(Answer::latencyMillis).max().orElse(0);
            long unavailable = answers.stream().filter(a -> UNAVAILABLE.equals(a.rule())).count();
            long stallMs = (long) (500 * burst / rate); // half the time an empty bucket takes to fill
            boolean stalled = slowest > stallMs || unavailable > 0;
            System.out.printf(Locale.ROOT, "[limits-e2e] %s, attempt %d: %d calls, slowest answer %d ms, %d past the "
                            + "limiter deadline%s%n", scenario, attempt, answers.size(), slowest, unavailable,
                    stalled ? " (machine stalled)" : "");
            for (Map.Entry<String, List<Answer>> b : buckets.entrySet()) {
                BucketCheck check = BucketCheck.of(b.getKey(), burst, rate, b.getValue());
                System.out.println("[limits-e2e]   " + check);
                assertEquals(0, check.other(), () -> "answers neither admitted nor denied, e.g. " + firstOther(answers));
                List<String> rules = b.getValue().stream().filter(a -> a.kind() == Kind.DENIED).map(Answer::rule)
                        .distinct().toList();
                assertTrue(check.admitted() <= check.bound(), "over-admission: " + check);
                if (stalled) {
                    // A stalled machine can miss even a long deadline: such a call is denied as
                    // "(limiter unavailable)" under closed, which takes no token and cannot hide an over-admission.
                    assertTrue(List.of(RULE, UNAVAILABLE).containsAll(rules), "unexpected denials: " + rules);
                } else {
                    assertEquals(List.of(RULE), rules, "every denial names the limit");
                    assertTrue(check.overload() >= 3, "the clients must offer clearly more than the limit: " + check);
                    assertTrue(check.ofFloor() >= 0.99, "the limiter refuses too much: " + check);
                }
            }
            if (!stalled) {
                assertEveryGatewayGetsItsShare(bed, answers);
                extra.accept(answers);
                return;
            }
            assertTrue(attempt < 3, "the machine stalled in three runs; over-admission never seen, the 99% floor "
                    + "could not be measured");
            sleep(Duration.ofMillis((long) (1000 * burst / rate) + 500)); // every bucket full again
        }
    }

    /**
     * Every gateway, clock-skewed ones included, admits about its share: its admitted/offered ratio is within a
     * factor of two of the overall ratio (a gateway deciding with its own clock would be near 0 or far above).
     */
    static void assertEveryGatewayGetsItsShare(LimitBed bed, List<Answer> answers) {
        double overall = (double) answers.stream().filter(Answer::admitted).count() / answers.size();
        Map<Integer, List<Answer>> byGw = answers.stream().collect(Collectors.groupingBy(Answer::gateway));
        for (int gw = 0; gw < bed.gateways.size(); gw++) {
            List<Answer> mine = byGw.getOrDefault(gw, List.of());
            long admitted = mine.stream().filter(Answer::admitted).count();
            double ratio = mine.isEmpty() ? 0 : (double) admitted / mine.size();
            String line = String.format(Locale.ROOT, "gw%d (clock offset %s): offered %d, admitted %d (%.2f%% vs %.2f%% "
                            + "overall)", gw, bed.gateways.get(gw).setting("warden.gateway.clock-offset"), mine.size(), admitted, 100 * ratio,
                    100 * overall);
            System.out.println("[limits-e2e]     " + line);
            assertTrue(ratio >= overall / 2 && ratio <= overall * 2, "gateway out of line: " + line);
        }
    }

    static String firstOther(List<Answer> answers) {
        return answers.stream().filter(a -> a.kind() == Kind.OTHER).findFirst().map(Answer::toString).orElse("none");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
