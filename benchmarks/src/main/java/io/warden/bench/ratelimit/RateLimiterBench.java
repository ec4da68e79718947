package io.warden.bench.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.warden.gateway.ratelimit.LimitFlag;
import io.warden.gateway.ratelimit.RateLimitMetrics;
import io.warden.gateway.ratelimit.RedisKeys;
import io.warden.gateway.ratelimit.RedisLimiterConfig;
import io.warden.gateway.ratelimit.RedisRateLimiter;
import io.warden.gateway.ratelimit.TokenBucketMath;
import io.warden.policy.LimitCharge;
import io.warden.policy.LimiterErrorMode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decisions per second and latency of Warden's Redis limiter against Bucket4j (Lettuce,
 * compare-and-swap) and against {@code redis-benchmark} running EVALSHA of Warden's own script
 * (the ceiling: no client library at all), all on one private redis-server started here.
 *
 * <p>Every caller is a closed loop: it starts its next decision when the previous one
 * completes, so "concurrency" is the number of decisions in flight. All decisions hit one hot
 * bucket whose capacity never runs out, so every decision does the full check-and-charge.
 *
 * <p>Run (see docs/rate-limiting.md): {@code java -cp ... io.warden.bench.ratelimit.RateLimiterBench
 * [--warmup S] [--seconds S] [--concurrency 1,16,64]}
 */
public final class RateLimiterBench {

    record Result(String name, int concurrency, long decisions, double perSecond, double p50Ms, double p99Ms,
                  long fallbacks) {
        String row() {
            return String.format(Locale.ROOT, "| %-34s | %3d | %,11.0f | %6.3f | %6.3f |%s", name, concurrency,
                    perSecond, p50Ms, p99Ms, fallbacks > 0 ? " fallbacks: " + fallbacks : "");
        }
    }

    /** One asynchronous decision; calls {@code done} with true when it fell back (store unavailable). */
    interface Decision {
        void run(Consumer<Boolean> done);
    }

    public static void main(String[] args) throws Exception {
        int warmup = 3;
        int seconds = 10;
        int[] levels = {1, 16, 64};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--concurrency" -> levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("JVM %s, %d cores, redis %s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                BenchRedis.run(List.of("redis-server", "--version")).trim());

        try (BenchRedis redis = new BenchRedis("redis-server")) {
            Vertx vertx = Vertx.vertx();
            // The benchmark measures the Redis path: a deadline long enough that a scheduling stall on a
            // busy machine does not turn into fallbacks (which complete in microseconds and would
            // flatter the numbers). Fallbacks are still counted and printed.
            RedisLimiterConfig config = RedisLimiterConfig.defaults()
                    .withDeadline(Duration.ofMillis(Long.getLong("bench.deadlineMs", 1_000)));
            Redis client = Redis.createClient(vertx, config.redisOptions(List.of(redis.endpoint())));
            RedisRateLimiter warden = new RedisRateLimiter(client, config, () -> 1, Clock.systemUTC(),
                    RateLimitMetrics.noop());
            warden.loadScripts().await().atMost(Duration.ofSeconds(5));

            long huge = 1_000_000_000_000L;
            LimitCharge one = charge("bench_calls", "grant", huge);
            LimitCharge two = charge("bench_tool", "server", huge);
            Decision ours1 = done -> warden.acquire("bench", List.of(one)).subscribe()
                    .with(o -> done.accept(o.has(LimitFlag.LIMITER_UNAVAILABLE)), t -> done.accept(true));
            Decision ours2 = done -> warden.acquire("bench", List.of(one, two)).subscribe()
                    .with(o -> done.accept(o.has(LimitFlag.LIMITER_UNAVAILABLE)), t -> done.accept(true));

            List<String> rawArgs = scriptArgs(one);
            Decision raw = done -> {
                var req = io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.EVALSHA)
                        .arg(warden.acquireSha()).arg(1).arg(RedisKeys.key("bench", one));
                rawArgs.forEach(req::arg);
                client.send(req).subscribe().with(r -> done.accept(false), t -> done.accept(true));
            };
            boolean withRaw = Boolean.getBoolean("bench.raw");
            io.vertx.mutiny.redis.client.RedisConnection conn = withRaw
                    ? client.connect().await().atMost(Duration.ofSeconds(5)) : null;
            Decision rawConn = done -> {
                var req = io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.EVALSHA)
                        .arg(warden.acquireSha()).arg(1).arg(RedisKeys.key("bench", one));
                rawArgs.forEach(req::arg);
                conn.send(req).subscribe().with(r -> done.accept(false), t -> done.accept(true));
            };

            RedisClient lettuce = RedisClient.create(redis.endpoint());
            lettuce.setOptions(io.lettuce.core.ClientOptions.builder()
                    .socketOptions(io.lettuce.core.SocketOptions.builder().tcpNoDelay(true).build()).build());
            var proxyManager = Bucket4jLettuce.casBasedBuilder(lettuce)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy
                            .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .build();
            BucketConfiguration b4jConfig = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(huge).refillGreedy(1_000_000, Duration.ofSeconds(1)).build())
                    .build();
            AsyncBucketProxy b4j = proxyManager.asAsync().builder()
                    .build("bucket4j-bench".getBytes(StandardCharsets.UTF_8), () ->
                            java.util.concurrent.CompletableFuture.completedFuture(b4jConfig));
            Decision bucket4j = done -> b4j.tryConsume(1).whenComplete((ok, t) -> done.accept(t != null));

            List<Result> results = new ArrayList<>();
            for (int c : levels) {
                results.add(measure("warden (1 limit)", ours1, c, warmup, seconds));
                results.add(measure("warden (2 limits)", ours2, c, warmup, seconds));
                results.add(measure("bucket4j-lettuce (1 limit)", bucket4j, c, warmup, seconds));
                if (withRaw) {
                    results.add(measure("vert.x EVALSHA, no limiter", raw, c, warmup, seconds));
                    results.add(measure("vert.x EVALSHA, 1 connection", rawConn, c, warmup, seconds));
                }
                results.add(redisBenchmark(redis, warden, one, c, 1, seconds));
                if (c >= 2) {
                    // The same shape as Warden's client: c requests in flight over 2 pipelined connections.
                    results.add(redisBenchmark(redis, warden, one, 2, c / 2, seconds));
                }
            }

            System.out.println();
            System.out.println("| limiter                            |   c | decisions/s | p50 ms | p99 ms |");
            System.out.println("|------------------------------------|----:|------------:|-------:|-------:|");
            results.forEach(r -> System.out.println(r.row()));

            System.out.println();
            System.out.println("Redis commands per decision (2,000 decisions at concurrency 16):");
            commandsPerDecision(redis, "warden (1 limit)", ours1);
            commandsPerDecision(redis, "warden (2 limits)", ours2);
            commandsPerDecision(redis, "bucket4j-lettuce (1 limit)", bucket4j);

            lettuce.shutdown();
            client.close();
            vertx.closeAndAwait();
        }
        System.exit(0);
    }

    static LimitCharge charge(String counter, String scope, long capacity) {
        String id = counter + "|" + scope;
        return new LimitCharge(id, id + "|bench-owner", "/all_tools/limits/" + counter, counter, scope, capacity,
                capacity, 1_000, 1, null, false, LimiterErrorMode.CLOSED);
    }

    /** Closed-loop callers for warmup + measured seconds; latency of the decisions inside the window. */
    static Result measure(String name, Decision decision, int concurrency, int warmupSeconds, int seconds)
            throws InterruptedException {
        long start = System.nanoTime();
        long from = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long to = from + TimeUnit.SECONDS.toNanos(seconds);
        long[][] lat = new long[concurrency][];
        int[] count = new int[concurrency];
        AtomicLong fallbacks = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            lat[i] = new long[1 << 16];
            int caller = i;
            new Object() {
                int depth;

                void next() {
                    // A decision that completes synchronously (e.g. a fallback) must not grow the stack.
                    if (++depth > 64) {
                        depth = 0;
                        java.util.concurrent.ForkJoinPool.commonPool().execute(this::next);
                        return;
                    }
                    long t0 = System.nanoTime();
                    if (t0 >= to) {
                        finished.countDown();
                        return;
                    }
                    decision.run(fell -> {
                        long t1 = System.nanoTime();
                        if (t0 >= from && t1 <= to) {
                            if (count[caller] == lat[caller].length) {
                                lat[caller] = Arrays.copyOf(lat[caller], lat[caller].length * 2);
                            }
                            lat[caller][count[caller]++] = t1 - t0;
                            if (fell) {
                                fallbacks.incrementAndGet();
                            }
                        }
                        next();
                        depth = 0;
                    });
                }
            }.next();
        }
        finished.await(warmupSeconds + seconds + 60L, TimeUnit.SECONDS);
        int total = 0;
        for (int n : count) {
            total += n;
        }
        long[] all = new long[total];
        int k = 0;
        for (int i = 0; i < concurrency; i++) {
            System.arraycopy(lat[i], 0, all, k, count[i]);
            k += count[i];
        }
        Arrays.sort(all);
        Result r = new Result(name, concurrency, total, total / (double) seconds, pct(all, 0.50), pct(all, 0.99),
                fallbacks.get());
        System.out.println(r.row());
        return r;
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** redis-benchmark running EVALSHA of Warden's acquire script on the same hot key: the ceiling. */
    static Result redisBenchmark(BenchRedis redis, RedisRateLimiter warden, LimitCharge c, int connections,
                                 int pipeline, int seconds) throws Exception {
        int concurrency = connections * pipeline;
        // Size the run to last about `seconds` at the rate of a quick probe.
        List<String> base = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
                Integer.toString(redis.port), "-c", Integer.toString(connections), "-P", Integer.toString(pipeline),
                "--csv"));
        List<String> cmd = new ArrayList<>(List.of("EVALSHA", warden.acquireSha(), "1", RedisKeys.key("bench", c)));
        cmd.addAll(scriptArgs(c));
        double probe = parseCsv(run(base, "20000", cmd))[0];
        long n = Math.max(20_000, (long) (probe * seconds));
        double[] v = parseCsv(run(base, Long.toString(n), cmd));
        String name = pipeline == 1 ? "redis-benchmark EVALSHA" : "redis-benchmark EVALSHA -c 2 -P " + pipeline;
        Result r = new Result(name, concurrency, n, v[0], v[1], v[2], 0);
        System.out.println(r.row());
        return r;
    }

    /** The 7 acquire-script arguments of one enforcing charge, as RedisRateLimiter sends them. */
    static List<String> scriptArgs(LimitCharge c) {
        TokenBucketMath.Rate rate = TokenBucketMath.Rate.ofMillis(c.capacity(), c.refillTokens(), c.windowMillis());
        TokenBucketMath.Span cost = rate.spanOf(c.cost());
        TokenBucketMath.Span cap = rate.capacitySpan();
        return List.of("0", Long.toString(rate.refillTokens()), Long.toString(cost.micros()),
                Long.toString(cost.frac()), Long.toString(cap.micros()), Long.toString(cap.frac()),
                Long.toString(2 * rate.fullRefillMillis()));
    }

    private static String run(List<String> base, String n, List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(base);
        full.add("-n");
        full.add(n);
        full.addAll(cmd);
        return BenchRedis.run(full);
    }

    /** rps, p50, p99 from redis-benchmark's CSV. */
    private static double[] parseCsv(String csv) {
        for (String line : csv.split("\n")) {
            if (line.startsWith("\"EVALSHA")) {
                String[] f = line.replace("\"", "").split(",");
                return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[4]), Double.parseDouble(f[6])};
            }
        }
        throw new IllegalStateException("unexpected redis-benchmark output: " + csv);
    }

    /**
     * Commands the client sends per decision: MONITOR lists every command, those run inside a
     * script marked "[0 lua]"; the others came over the wire. Also INFO commandstats' EVALSHA count.
     */
    static void commandsPerDecision(BenchRedis redis, String name, Decision decision) throws Exception {
        int decisions = 2_000;
        redis.cli("CONFIG", "RESETSTAT");
        Process monitor = new ProcessBuilder("redis-cli", "-p", Integer.toString(redis.port), "MONITOR")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(monitor.getInputStream(),
                StandardCharsets.UTF_8));
        if (!"OK".equals(out.readLine())) {
            throw new IllegalStateException("MONITOR did not start");
        }
        AtomicLong wire = new AtomicLong();
        AtomicLong inScript = new AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    String l = line.toLowerCase(Locale.ROOT);
                    if (l.contains("\"monitor\"") || l.contains("\"info\"") || l.contains("\"config\"")) {
                        continue;
                    }
                    if (line.contains(" lua]")) {
                        inScript.incrementAndGet();
                    } else {
                        wire.incrementAndGet();
                    }
                }
            } catch (Exception ignored) {
                // the monitor was stopped
            }
        });
        reader.start();
        CountDownLatch done = new CountDownLatch(decisions);
        AtomicLong started = new AtomicLong();
        for (int i = 0; i < 16; i++) {
            new Object() {
                int depth;

                void next() {
                    if (++depth > 64) {
                        depth = 0;
                        java.util.concurrent.ForkJoinPool.commonPool().execute(this::next);
                        return;
                    }
                    if (started.incrementAndGet() > decisions) {
                        return;
                    }
                    decision.run(fell -> {
                        done.countDown();
                        next();
                    });
                }
            }.next();
        }
        done.await(60, TimeUnit.SECONDS);
        Thread.sleep(500);
        String stats = redis.cli("INFO", "commandstats");
        monitor.destroy();
        reader.join(5_000);
        long wireCount = wire.get();
        System.out.printf(Locale.ROOT, "  %-34s %.2f commands sent per decision (%d over the wire, %d run inside "
                        + "scripts); INFO commandstats: evalsha %d, eval %d, get %d for %d decisions%n",
                name, wireCount / (double) decisions, wireCount, inScript.get(),
                calls(stats, "evalsha"), calls(stats, "eval"), calls(stats, "get"), decisions);
    }

    static long calls(String info, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private RateLimiterBench() {}
}
