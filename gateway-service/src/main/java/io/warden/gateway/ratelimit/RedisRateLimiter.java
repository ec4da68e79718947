package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.warden.gateway.logging.LogSafe;
import io.warden.gateway.ratelimit.TokenBucketMath.Rate;
import io.warden.gateway.ratelimit.TokenBucketMath.Span;
import io.warden.policy.LimitCharge;
import io.warden.policy.LimiterErrorMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The shared limiter: token buckets in Redis, exact across any number of gateway pods.
 *
 * <h2>One round trip</h2>
 * Every call runs {@code ratelimit/acquire.lua} once with EVALSHA: the script reads Redis
 * {@code TIME}, checks every bucket of the call and, only if every enforcing bucket has its
 * tokens, writes them all (each with {@code SET ... PX}, so no key ever lacks a TTL). The
 * script's SHA-1 is computed locally; it is sent with SCRIPT LOAD by {@link #loadScripts()}
 * and, whenever a server answers NOSCRIPT (restart, failover, SCRIPT FLUSH, a cluster node
 * that never saw it), the same call is retried once with EVAL, which caches it again.
 *
 * <h2>Cluster slots</h2>
 * Keys follow {@link RedisKeys}: grant- and server-scoped buckets of one server share the hash
 * tag {@code {<server id>}}, global buckets the tag {@code {~global}}. On a single Redis
 * ({@code cluster = false}) every call is one script whatever its keys. On a Redis Cluster a
 * call whose charges all share a tag (every call without a global limit) is still one
 * script, atomic. A call mixing a global limit with others needs one script per tag; they run
 * in parallel, and when one denies (or fails) while another admitted, the admitted group is
 * refunded at once. Atomicity is given up only there, and only in the safe direction: between
 * the take and the refund another call may see fewer tokens (a spurious denial), never more
 * (no over-admission).
 *
 * <h2>Connections</h2>
 * The limiter keeps {@link RedisLimiterConfig#connections()} long-lived connections and
 * pipelines calls on them round robin (see {@link RedisPipelines}); a broken or silent
 * connection is replaced on the next call.
 *
 * <h2>Failures</h2>
 * Each call has a hard deadline ({@link RedisLimiterConfig#deadline()}). On an error or a
 * missed deadline each charge follows its {@code on_limiter_error}: {@code closed} denies
 * with rule {@value LimitOutcome#UNAVAILABLE_RULE}, {@code open} admits (flag
 * {@link LimitFlag#LIMITER_OPEN}), {@code local} uses a per-pod in-memory bucket with the
 * capacity and the rate divided by the live gateway count (flag {@link LimitFlag#LIMITER_LOCAL}).
 * After a connection failure, or {@value #TIMEOUTS_BEFORE_SKIPPING} missed deadlines in a row,
 * calls go straight to the fallback for {@link RedisLimiterConfig#retryDelay()}; the next call
 * after that probes Redis, so recovery needs no manual step.
 *
 * <h2>Late replies</h2>
 * A script that missed its deadline may still run in Redis and take tokens for a call that was
 * decided without it. When its reply arrives after all, the tokens it shows as taken are given
 * back at once with the refund script: one round trip, not awaited, counted in
 * {@link RateLimitMetrics#LATE_REPLIES}. So a call decided by {@code on_limiter_error} leaves
 * nothing in Redis, whether it was denied, admitted {@code open}, or charged to a {@code local}
 * bucket (which its reservation refunds). See {@link #planLateRefund} for what is given back.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final Logger LOG = Logger.getLogger(RedisRateLimiter.class);
    /** Classpath resource of the acquire script. */
    public static final String ACQUIRE_SCRIPT = "ratelimit/acquire.lua";
    /** Classpath resource of the refund script. */
    public static final String REFUND_SCRIPT = "ratelimit/refund.lua";

    private final Redis redis;
    private final RedisPipelines pipelines;
    private final RedisLimiterConfig config;
    private final IntSupplier liveGateways;
    private final InMemoryRateLimiter local;
    private final RateLimitMetrics metrics;
    private final Script acquire = Script.load(ACQUIRE_SCRIPT);
    private final Script refund = Script.load(REFUND_SCRIPT);
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile long skipUntilNanos = Long.MIN_VALUE;
    private final java.util.concurrent.atomic.AtomicInteger failuresInARow = new java.util.concurrent.atomic.AtomicInteger();
    /** Missed deadlines in a row after which Redis is skipped for {@code retryDelay} (a refused connection: at once). */
    static final int TIMEOUTS_BEFORE_SKIPPING = 3;

    /** A limiter on {@code redis} with one gateway assumed live and no metrics. */
    public RedisRateLimiter(Redis redis, RedisLimiterConfig config) {
        this(redis, config, () -> 1, Clock.systemUTC(), RateLimitMetrics.noop());
    }

    /**
     * @param redis the Vert.x (Mutiny) Redis client; see {@link RedisLimiterConfig#redisOptions}
     *     for the pool it needs
     * @param config deadline, cluster mode, retry delay
     * @param liveGateways how many gateway pods are live now (for {@code local}); read at each
     *     fallback decision; values below 1 count as 1
     * @param localClock clock of the per-pod fallback buckets
     * @param metrics where decisions, latency and errors are counted
     */
    public RedisRateLimiter(Redis redis, RedisLimiterConfig config, IntSupplier liveGateways, Clock localClock,
                            RateLimitMetrics metrics) {
        this(redis, () -> redis, config, liveGateways, localClock, metrics);
    }

    /**
     * As above, with the charges sent through clients {@code chargeClients} makes: one per event loop, created on that
     * loop, so that a charge never leaves its loop (see {@link RedisPipelines}). With {@code () -> redis} every charge
     * connection lives on the loop {@code redis} was created on.
     */
    public RedisRateLimiter(Redis redis, Supplier<Redis> chargeClients, RedisLimiterConfig config,
                            IntSupplier liveGateways, Clock localClock, RateLimitMetrics metrics) {
        if (redis == null || chargeClients == null || config == null || liveGateways == null || localClock == null
                || metrics == null) {
            throw new IllegalArgumentException("redis, config, liveGateways, localClock and metrics are required");
        }
        this.redis = redis;
        this.pipelines = new RedisPipelines(chargeClients, config.connections(), config.deadline());
        this.config = config;
        this.liveGateways = liveGateways;
        this.metrics = metrics;
        this.local = new InMemoryRateLimiter(localClock, config.localMaxBuckets(), metrics);
    }

    /**
     * Send both scripts with SCRIPT LOAD (call once at startup; optional, since a NOSCRIPT
     * answer reloads them anyway). Completes normally even when Redis is down.
     */
    public Uni<Void> loadScripts() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(acquire.body))
                .chain(() -> redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(refund.body)))
                .onFailure().invoke(t -> LOG.warnf("could not load the rate-limit scripts now (%s); "
                        + "they load on first use", LogSafe.text(t.getMessage())))
                .onItemOrFailure().transform((r, t) -> null);
    }

    /**
     * Close the Redis connections this limiter holds. The clients stay open: {@code redis} and whatever
     * {@code chargeClients} made are the caller's (the gateway's live as long as its process).
     */
    public void close() {
        pipelines.close();
    }

    /** SHA-1 of the acquire script, as used with EVALSHA. */
    public String acquireSha() {
        return acquire.sha;
    }

    /** Lazy, like every {@link Uni}: nothing is sent to Redis until the caller subscribes. */
    @Override
    public Uni<LimitOutcome> acquire(String partition, List<LimitCharge> charges) {
        if (charges == null || charges.isEmpty()) {
            return Uni.createFrom().item(LimitOutcome.NO_LIMITS);
        }
        return Uni.createFrom().deferred(() -> acquireNow(partition, charges));
    }

    private Uni<LimitOutcome> acquireNow(String partition, List<LimitCharge> charges) {
        long start = System.nanoTime();
        try {
            if (start < skipUntilNanos) {
                metrics.error(RateLimitMetrics.CAUSE_CIRCUIT_OPEN);
                return Uni.createFrom().item(record(fallback(partition, charges), start));
            }
            List<Group> groups = group(partition, charges);
            List<Uni<GroupResult>> unis = new ArrayList<>(groups.size());
            for (Group g : groups) {
                unis.add(run(g, charges));
            }
            Uni<List<GroupResult>> all = unis.size() == 1
                    ? unis.get(0).map(List::of)
                    : Uni.combine().all().unis(unis).with(GroupResult.class, list -> list);
            return all.map(results -> record(decide(partition, charges, groups, results), start))
                    .onFailure().recoverWithItem(t -> record(failed(partition, charges, t), start));
        } catch (RuntimeException e) {
            return Uni.createFrom().item(record(failed(partition, charges, e), start));
        }
    }

    @Override
    public Uni<Void> refund(Reservation reservation) {
        if (reservation == null || reservation.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(() -> refundNow(reservation));
    }

    private Uni<Void> refundNow(Reservation reservation) {
        try {
            local.refundNow(reservation.local());
            if (reservation.stored().isEmpty()) {
                metrics.refund(true);
                return Uni.createFrom().voidItem();
            }
            List<Group> groups = group(reservation.partition(), reservation.stored());
            List<Uni<Void>> unis = new ArrayList<>(groups.size());
            for (Group g : groups) {
                unis.add(refundGroup(g, reservation.stored()));
            }
            return Uni.join().all(unis).andCollectFailures().replaceWithVoid()
                    .onItemOrFailure().transform((v, t) -> {
                        metrics.refund(t == null);
                        if (t != null) {
                            LOG.debugf("rate-limit refund failed: %s", LogSafe.text(t.getMessage()));
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            metrics.refund(false);
            return Uni.createFrom().voidItem();
        }
    }

    // ---- one script per slot group ------------------------------------------------------

    /** The charges of one script call, in processing order (enforcing first). */
    private record Group(int[] index, List<String> keys) {}

    /** A group's answer: the script reply, or the failure. */
    private record GroupResult(Response reply, Throwable failure) {
        boolean admitted() {
            return reply != null && reply.get(0).toLong() == 1;
        }
    }

    private List<Group> group(String partition, List<LimitCharge> charges) {
        Integer[] order = InMemoryRateLimiter.processingOrder(charges);
        Map<String, List<Integer>> byTag = new LinkedHashMap<>();
        for (int i : order) {
            String tag = config.cluster() ? RedisKeys.tag(partition, charges.get(i)) : "";
            byTag.computeIfAbsent(tag, k -> new ArrayList<>(charges.size())).add(i);
        }
        List<Group> out = new ArrayList<>(byTag.size());
        for (List<Integer> idx : byTag.values()) {
            int[] index = idx.stream().mapToInt(Integer::intValue).toArray();
            List<String> keys = new ArrayList<>(index.length);
            for (int i : index) {
                keys.add(RedisKeys.key(partition, charges.get(i)));
            }
            out.add(new Group(index, keys));
        }
        return out;
    }

    /** Run the acquire script for one group, within the deadline; failures become values. */
    private Uni<GroupResult> run(Group g, List<LimitCharge> charges) {
        List<String> args = new ArrayList<>(g.index().length * 7);
        for (int i : g.index()) {
            LimitCharge c = charges.get(i);
            Rate rate = InMemoryRateLimiter.rateOf(c);
            Span cost = rate.spanOf(c.cost());
            Span cap = rate.capacitySpan();
            args.add(c.shadow() ? "1" : "0");
            args.add(Long.toString(rate.refillTokens()));
            args.add(Long.toString(cost.micros()));
            args.add(Long.toString(cost.frac()));
            args.add(Long.toString(c.cost() > rate.capacity() ? -1 : cap.micros()));
            args.add(Long.toString(cap.frac()));
            args.add(Long.toString(maxTtlMillis(rate)));
        }
        // The deadline is enforced per send by RedisPipelines; a reply past it goes to lateAcquire.
        return evalsha(acquire, g.keys(), args, (reply, sentNanos) -> lateAcquire(g, charges, reply, sentNanos))
                .map(r -> new GroupResult(r, null))
                .onFailure().recoverWithItem(t -> new GroupResult(null, t));
    }

    /** Run the refund script for one group. */
    private Uni<Void> refundGroup(Group g, List<LimitCharge> charges) {
        List<String> args = new ArrayList<>(g.index().length * 4);
        for (int i : g.index()) {
            LimitCharge c = charges.get(i);
            Rate rate = InMemoryRateLimiter.rateOf(c);
            Span cost = rate.spanOf(c.cost());
            args.add(Long.toString(rate.refillTokens()));
            args.add(Long.toString(cost.micros()));
            args.add(Long.toString(cost.frac()));
            args.add(Long.toString(maxTtlMillis(rate)));
        }
        return evalsha(refund, g.keys(), args, RedisPipelines.IGNORE_LATE).replaceWithVoid();
    }

    /**
     * An acquire reply that arrived after the sweeper had failed its request, so the call was
     * decided without it: give back what the script took (see {@link #planLateRefund}).
     */
    private void lateAcquire(Group g, List<LimitCharge> charges, Response reply, long sentNanos) {
        long[] values = readAcquireReply(reply, g.index().length);
        if (values == null) {
            metrics.lateReply(RateLimitMetrics.LATE_UNREADABLE);
            return;
        }
        long[] costs = new long[g.index().length];
        for (int j = 0; j < costs.length; j++) {
            costs[j] = charges.get(g.index()[j]).cost();
        }
        LatePlan plan = planLateRefund(values, costs, g.keys(), System.nanoTime() - sentNanos,
                config.deadline().toNanos());
        if (plan.skipped()) {
            metrics.lateReply(RateLimitMetrics.LATE_REFILLED);
        }
        if (plan.refund().length == 0) {
            if (!plan.skipped()) {
                metrics.lateReply(RateLimitMetrics.LATE_NOTHING_TAKEN);
            }
            return;
        }
        int[] index = new int[plan.refund().length];
        List<String> keys = new ArrayList<>(index.length);
        for (int k = 0; k < index.length; k++) {
            int j = plan.refund()[k];
            index[k] = g.index()[j];
            keys.add(g.keys().get(j)); // the very keys the script charged, never rebuilt
        }
        refundGroup(new Group(index, keys), charges).subscribe().with(
                v -> metrics.lateReply(RateLimitMetrics.LATE_REFUNDED),
                t -> {
                    metrics.lateReply(RateLimitMetrics.LATE_REFUND_FAILED);
                    LOG.debugf("refund after a late rate-limit reply failed: %s", LogSafe.text(String.valueOf(t)));
                });
    }

    /** The acquire script's reply as numbers ({@code 1 + 3 × charges} of them), or null when it has another shape. */
    private static long[] readAcquireReply(Response reply, int charges) {
        try {
            if (reply == null || reply.size() != 1 + 3 * charges) {
                return null;
            }
            long[] out = new long[reply.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = reply.get(i).toLong();
            }
            return out;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * What to give back after a late acquire reply.
     *
     * @param refund positions (in the script's charge order) whose tokens go back
     * @param skipped true when some bucket was left alone because it could be full again first
     */
    record LatePlan(int[] refund, boolean skipped) {}

    /**
     * Which charges of a late acquire reply to refund. Pure. Only what the script provably took:
     * nothing when it denied the call (a denied script writes nothing); else each charge it
     * allowed with a cost above 0 (a shadow charge it did not allow took nothing). A charge is
     * refunded only while its bucket cannot have been full since the take: the key expires when
     * the bucket is full, other calls may re-create it, and a refund landing then would give back
     * their tokens, not this call's. The take happened after the request was sent, so the key
     * lives at least until {@code sent + offset} (the offset of its last charge in the reply);
     * the refund must run before that, and is given one deadline to get there. A bucket that
     * fails this test is nearly full already and gets its tokens back by itself within about a
     * deadline.
     *
     * @param reply the script's answer: admitted, then per charge allowed, offset µs, offset frac
     * @param costs each charge's cost, in the script's order
     * @param keys each charge's key, in the script's order (a key may repeat)
     * @param elapsedNanos time from sending the request to reading its reply
     * @param deadlineNanos the limiter deadline, which the refund gets to land
     */
    static LatePlan planLateRefund(long[] reply, long[] costs, List<String> keys, long elapsedNanos,
                                   long deadlineNanos) {
        if (reply[0] != 1) {
            return new LatePlan(new int[0], false);
        }
        // Per key, its full-at offset after the script: the largest offset among its charges that took tokens.
        Map<String, Long> fullAt = new java.util.HashMap<>();
        for (int j = 0; j < costs.length; j++) {
            if (took(reply[1 + 3 * j] == 1, costs[j])) {
                fullAt.merge(keys.get(j), reply[2 + 3 * j], Math::max);
            }
        }
        long neededMicros = (Math.max(0, elapsedNanos) + deadlineNanos + 999) / 1_000;
        int[] refund = new int[costs.length];
        int n = 0;
        boolean skipped = false;
        for (int j = 0; j < costs.length; j++) {
            Long offset = took(reply[1 + 3 * j] == 1, costs[j]) ? fullAt.get(keys.get(j)) : null;
            if (offset == null) {
                continue;
            }
            if (offset > neededMicros) {
                refund[n++] = j;
            } else {
                skipped = true;
            }
        }
        return new LatePlan(java.util.Arrays.copyOf(refund, n), skipped);
    }

    /**
     * EVALSHA, and on NOSCRIPT the same call once more with EVAL (which caches the script again).
     * {@code late} gets the reply of whichever of the two missed its deadline and ran anyway (only
     * one can have run: EVAL follows only a NOSCRIPT answered in time).
     */
    private Uni<Response> evalsha(Script script, List<String> keys, List<String> args, RedisPipelines.LateReply late) {
        long start = System.nanoTime();
        return pipelines.send(request(Command.EVALSHA, script.sha, keys, args), config.deadline(), late)
                .onFailure(RedisRateLimiter::isNoScript).recoverWithUni(t -> {
                    metrics.error(RateLimitMetrics.CAUSE_NOSCRIPT);
                    // The retry gets what is left of the deadline, so a call never exceeds it.
                    long left = config.deadline().toNanos() - (System.nanoTime() - start);
                    return pipelines.send(request(Command.EVAL, script.body, keys, args),
                            java.time.Duration.ofNanos(Math.max(1_000_000, left)), late);
                });
    }

    private static Request request(Command cmd, String script, List<String> keys, List<String> args) {
        Request r = Request.cmd(cmd).arg(script).arg(keys.size());
        for (String k : keys) {
            r.arg(k);
        }
        for (String a : args) {
            r.arg(a);
        }
        return r;
    }

    /** TTL cap of a bucket key: twice its full refill time. */
    static long maxTtlMillis(Rate rate) {
        return 2 * rate.fullRefillMillis();
    }

    /** Read the script replies; refund admitted groups when another group denied or failed. */
    private LimitOutcome decide(String partition, List<LimitCharge> charges, List<Group> groups,
                                List<GroupResult> results) {
        Throwable failure = null;
        boolean allAdmitted = true;
        for (GroupResult r : results) {
            if (r.failure() != null) {
                failure = r.failure();
            } else if (!r.admitted()) {
                allAdmitted = false;
            }
        }
        if (failure != null || !allAdmitted) {
            // Only with several slot groups (cluster + global): undo the groups that took tokens.
            for (int gi = 0; gi < groups.size(); gi++) {
                GroupResult r = results.get(gi);
                if (r.failure() == null && r.admitted()) {
                    List<LimitCharge> taken = takenIn(groups.get(gi), r, charges);
                    if (!taken.isEmpty()) {
                        refund(new Reservation(partition, taken, List.of())).subscribe().with(x -> { });
                    }
                }
            }
        }
        if (failure != null) {
            return failed(partition, charges, failure);
        }
        if (failuresInARow.get() != 0) {
            failuresInARow.set(0);
        }
        if (down.compareAndSet(true, false)) {
            LOG.info("Redis rate limiter is back: limits are exact again");
        }
        BucketOutcome[] out = new BucketOutcome[charges.size()];
        List<LimitCharge> taken = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            Group g = groups.get(gi);
            Response reply = results.get(gi).reply();
            for (int j = 0; j < g.index().length; j++) {
                int i = g.index()[j];
                LimitCharge c = charges.get(i);
                boolean ok = reply.get(1 + 3 * j).toLong() == 1;
                Span offset = new Span(reply.get(2 + 3 * j).toLong(), reply.get(3 + 3 * j).toLong());
                var reading = TokenBucketMath.interpret(InMemoryRateLimiter.rateOf(c), c.cost(), ok, offset);
                out[i] = new BucketOutcome(c, reading.allowed(), reading.tokensLeft(), reading.waitMillis(),
                        BucketOutcome.Source.STORE);
                if (took(ok, c.cost())) {
                    taken.add(c);
                }
            }
        }
        Reservation res = allAdmitted && !taken.isEmpty() ? new Reservation(partition, taken, List.of())
                : Reservation.NONE;
        return LimitOutcome.decide(List.of(out), Set.of(), res);
    }

    /**
     * Whether a charge took tokens: the script allowed it (its reply flag is 1) and it costs something (a shadow charge
     * the script did not allow took nothing).
     */
    private static boolean took(boolean allowed, long cost) {
        return allowed && cost > 0;
    }

    private static List<LimitCharge> takenIn(Group g, GroupResult r, List<LimitCharge> charges) {
        List<LimitCharge> taken = new ArrayList<>();
        for (int j = 0; j < g.index().length; j++) {
            LimitCharge c = charges.get(g.index()[j]);
            if (took(r.reply().get(1 + 3 * j).toLong() == 1, c.cost())) {
                taken.add(c);
            }
        }
        return taken;
    }

    // ---- failure -------------------------------------------------------------------------

    private LimitOutcome failed(String partition, List<LimitCharge> charges, Throwable t) {
        String cause = causeOf(t);
        metrics.error(cause);
        int inARow = failuresInARow.incrementAndGet();
        boolean skip = RateLimitMetrics.CAUSE_CONNECTION.equals(cause) || inARow >= TIMEOUTS_BEFORE_SKIPPING;
        if (skip && config.retryDelay().toNanos() > 0) {
            skipUntilNanos = System.nanoTime() + config.retryDelay().toNanos();
        }
        if (down.compareAndSet(false, true)) {
            LOG.warnf("Redis rate limiter unavailable (%s: %s): limits follow on_limiter_error; retrying Redis "
                    + "every %d ms. Check the Redis endpoint, or raise the limiter deadline (now %d ms) if Redis "
                    + "is merely slow.", cause, t.getMessage() != null ? LogSafe.text(t.getMessage()) : t.getClass().getSimpleName(),
                    config.retryDelay().toMillis(),
                    config.deadline().toMillis());
        }
        return fallback(partition, charges);
    }

    /** Decide every charge by its {@code on_limiter_error}, without Redis. */
    LimitOutcome fallback(String partition, List<LimitCharge> charges) {
        int pods;
        try {
            pods = Math.max(1, liveGateways.getAsInt());
        } catch (RuntimeException e) {
            pods = 1;
        }
        EnumSet<LimitFlag> flags = EnumSet.of(LimitFlag.LIMITER_UNAVAILABLE);
        boolean closedDenies = false;
        for (LimitCharge c : charges) {
            if (!c.shadow() && c.onLimiterError() == LimiterErrorMode.CLOSED) {
                closedDenies = true;
            }
        }
        BucketOutcome[] out = new BucketOutcome[charges.size()];
        List<LimitCharge> scaled = new ArrayList<>();
        List<Integer> scaledIndex = new ArrayList<>();
        long retry = config.unavailableRetryAfter().toMillis();
        for (int i = 0; i < charges.size(); i++) {
            LimitCharge c = charges.get(i);
            LimiterErrorMode mode = c.onLimiterError() == null ? LimiterErrorMode.CLOSED : c.onLimiterError();
            switch (mode) {
                case LOCAL -> {
                    scaled.add(scaleForPod(c, pods));
                    scaledIndex.add(i);
                    flags.add(LimitFlag.LIMITER_LOCAL);
                }
                case OPEN -> {
                    out[i] = new BucketOutcome(c, true, -1, 0, BucketOutcome.Source.OPEN);
                    flags.add(LimitFlag.LIMITER_OPEN);
                }
                default -> out[i] = c.shadow()
                        ? new BucketOutcome(c, true, -1, 0, BucketOutcome.Source.OPEN)
                        : new BucketOutcome(c, false, -1, Math.max(1, retry), BucketOutcome.Source.UNAVAILABLE);
            }
        }
        List<LimitCharge> localCharged = List.of();
        if (!scaled.isEmpty()) {
            List<BucketOutcome> lo = local.evaluate(scaled, !closedDenies, BucketOutcome.Source.LOCAL);
            boolean localAdmits = true;
            for (int j = 0; j < lo.size(); j++) {
                BucketOutcome b = lo.get(j);
                int i = scaledIndex.get(j);
                out[i] = new BucketOutcome(charges.get(i), b.allowed(), b.tokensLeft(), b.waitMillis(), b.source());
                if (!b.allowed() && !b.charge().shadow()) {
                    localAdmits = false;
                }
            }
            if (localAdmits && !closedDenies) {
                localCharged = InMemoryRateLimiter.charged(lo);
            }
        }
        Reservation r = localCharged.isEmpty() ? Reservation.NONE
                : new Reservation(partition, List.of(), localCharged);
        return LimitOutcome.decide(List.of(out), flags, r);
    }

    /** The per-pod share of a bucket: capacity ÷ pods (at least 1), rate ÷ pods (window × pods). */
    static LimitCharge scaleForPod(LimitCharge c, int pods) {
        long capacity = Math.max(1, c.capacity() / pods);
        long window = c.windowMillis() > Long.MAX_VALUE / pods ? Long.MAX_VALUE : c.windowMillis() * pods;
        return new LimitCharge(c.bucketId(), c.key(), c.rule(), c.counter(), c.scope(), capacity, c.refillTokens(),
                window, c.cost(), c.onDeny(), c.shadow(), c.onLimiterError());
    }

    private LimitOutcome record(LimitOutcome o, long startNanos) {
        metrics.recordDecision(o, RateLimitMetrics.BACKEND_REDIS, System.nanoTime() - startNanos);
        return o;
    }

    static String causeOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.smallrye.mutiny.TimeoutException || c instanceof java.util.concurrent.TimeoutException) {
                return RateLimitMetrics.CAUSE_TIMEOUT;
            }
            if (c instanceof ConnectException || c instanceof java.nio.channels.ClosedChannelException
                    || c instanceof IOException) {
                return RateLimitMetrics.CAUSE_CONNECTION;
            }
            String m = c.getMessage();
            if (m != null) {
                if (m.startsWith("NOSCRIPT")) {
                    return RateLimitMetrics.CAUSE_NOSCRIPT;
                }
                if (m.startsWith("ERR") || m.startsWith("WRONGTYPE") || m.startsWith("CROSSSLOT")) {
                    return RateLimitMetrics.CAUSE_SCRIPT;
                }
                String lower = m.toLowerCase(java.util.Locale.ROOT);
                if (lower.contains("connect") || lower.contains("closed") || lower.contains("refused")
                        || lower.contains("no connection")) {
                    return RateLimitMetrics.CAUSE_CONNECTION;
                }
            }
        }
        return RateLimitMetrics.CAUSE_OTHER;
    }

    // ---- scripts -------------------------------------------------------------------------

    /** A Lua script resource and its SHA-1. */
    private record Script(String body, String sha) {
        static Script load(String resource) {
            try (InputStream in = RedisRateLimiter.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing classpath resource " + resource);
                }
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                byte[] d = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(body, HexFormat.of().formatHex(d));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static boolean isNoScript(Throwable t) {
        return t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT");
    }
}
