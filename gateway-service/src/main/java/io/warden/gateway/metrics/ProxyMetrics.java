package io.warden.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters, named once. Prometheus sees them as {@code warden_requests_total},
 * {@code warden_decisions_total}, {@code warden_gateway_seconds}, {@code warden_upstream_seconds},
 * {@code warden_upstream_errors_total}, {@code warden_upstream_era_probes_total}, {@code warden_gateway_failures_total}
 * {@code warden_streams_active}, and per server {@code warden_streams_open}, {@code warden_calls_waiting_connection}
 * and {@code warden_budget_refusals_total}.
 */
public final class ProxyMetrics {

    public static final String REQUESTS = "warden.requests";
    public static final String DECISIONS = "warden.decisions";
    public static final String GATEWAY_TIME = "warden.gateway";
    public static final String UPSTREAM_TIME = "warden.upstream";
    public static final String UPSTREAM_ERRORS = "warden.upstream.errors";
    public static final String STREAMS = "warden.streams.active";
    /** Long-lived streams (GET streams, HTTP+SSE upstream channels) open to one server from this pod. */
    public static final String SERVER_STREAMS = "warden.streams.open";
    /** Calls to one server that wait for an upstream connection (from the pool, or being connected). */
    public static final String CALLS_WAITING = "warden.calls.waiting.connection";
    /**
     * Requests refused before reaching the upstream because a budget ran out, by server and cause:
     * {@code streams_exhausted}, {@code grant_streams_exhausted}, {@code calls_exhausted},
     * {@code grant_sessions_exhausted}, {@code grant_revocations_exhausted}, {@code buffer_exhausted}.
     */
    public static final String REFUSALS = "warden.budget.refusals";
    /** Sessions per grant counted by this pod alone while the shared count in Redis was out of reach. */
    public static final String SESSION_COUNTS_LOCAL = "warden.session.counts.local";
    /** Bytes held pod-wide for upstream answers, bounded by {@code max-buffered-bytes}. */
    public static final String BUFFERED_BYTES = "warden.buffered.bytes";
    /**
     * Exchanges the gateway itself could not complete, by server and cause: {@code limiter_failed} (the rate limiter
     * failed instead of answering), {@code exception} (a bug: an exception inside a handler or callback).
     */
    public static final String FAILURES = "warden.gateway.failures";
    /** Upstream era probes, by server and what they found ({@code modern}, {@code legacy}, {@code modern+legacy}, …). */
    public static final String ERA_PROBES = "warden.upstream.era.probes";

    private static final Set<String> KNOWN_METHODS = Set.of("initialize", "ping", "server/discover", "tools/list",
            "tools/call", "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
            "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete", "logging/setLevel",
            "subscriptions/listen", "notifications/initialized", "notifications/cancelled", "GET", "DELETE");

    private final MeterRegistry registry;
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final ConcurrentMap<MeterKey, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<MeterKey, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> serverStreams = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> callsWaiting = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge(STREAMS, activeStreams);
    }

    /** One answered HTTP request; {@code outcome} is the status class or a named rejection. */
    public void request(String server, String method, String outcome) {
        counter(REQUESTS, server, method(method), outcome).increment();
    }

    public void decision(String server, String method, String outcome) {
        counter(DECISIONS, server, method(method), outcome).increment();
    }

    public void upstreamError(String server, String cause) {
        registry.counter(UPSTREAM_ERRORS, "server", server, "cause", cause).increment();
    }

    public void failure(String server, String cause) {
        registry.counter(FAILURES, "server", server, "cause", cause).increment();
    }

    public void probe(String server, String result) {
        registry.counter(ERA_PROBES, "server", server, "result", result).increment();
    }

    /** Time spent in the gateway itself before the request left for the upstream. */
    public void gatewayTime(String server, long nanos) {
        timer(GATEWAY_TIME, server).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Time from sending upstream to the upstream's response headers. */
    public void upstreamTime(String server, long nanos) {
        timer(UPSTREAM_TIME, server).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A budget refused a request before anything went upstream. */
    public void refusal(String server, String cause) {
        counter(REFUSALS, server, "", cause).increment();
    }

    /** Bytes the pod holds for upstream answers now (collected JSON, SSE events in progress). */
    public <T> void bufferedBytes(T budget, java.util.function.ToDoubleFunction<T> used) {
        registry.gauge(BUFFERED_BYTES, budget, used);
    }

    /** Sessions counted on this pod alone because the shared count (Redis) was out of reach. */
    public void sessionCountsLocal(String server) {
        registry.counter(SESSION_COUNTS_LOCAL, "server", server).increment();
    }

    /** The open-stream count of one server (a gauge, registered on first use). */
    public AtomicInteger serverStreams(String server) {
        return gauge(serverStreams, SERVER_STREAMS, server);
    }

    /** The count of calls to one server waiting for a connection (a gauge, registered on first use). */
    public AtomicInteger callsWaiting(String server) {
        return gauge(callsWaiting, CALLS_WAITING, server);
    }

    private AtomicInteger gauge(ConcurrentMap<String, AtomicInteger> gauges, String name, String server) {
        AtomicInteger n = gauges.get(server);
        return n != null ? n : gauges.computeIfAbsent(server,
                s -> registry.gauge(name, io.micrometer.core.instrument.Tags.of("server", s), new AtomicInteger()));
    }

    public AtomicInteger activeStreams() {
        return activeStreams;
    }

    /**
     * Meters are looked up once per tag combination; building tags on every request costs more than the count. The key is
     * a record of the (already hashed) strings, not a concatenation, so a lookup allocates one small object and hashes
     * nothing new.
     */
    private Counter counter(String name, String server, String method, String outcome) {
        MeterKey key = new MeterKey(name, server, method, outcome);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> REFUSALS.equals(name)
                    ? registry.counter(name, "server", server, "cause", outcome)
                    : registry.counter(name, "server", server, "method", method, "outcome", outcome));
        }
        return c;
    }

    private record MeterKey(String name, String server, String method, String outcome) {}

    /** Client-chosen method names are bounded to the known ones so that a client cannot blow up cardinality. */
    static String method(String method) {
        return method != null && KNOWN_METHODS.contains(method) ? method : "other";
    }

    private Timer timer(String name, String server) {
        MeterKey key = new MeterKey(name, server, "", "");
        Timer t = timers.get(key);
        return t != null ? t : timers.computeIfAbsent(key, k -> Timer.builder(name).tag("server", server)
                .publishPercentileHistogram()
                // The gateway's own time is microseconds; the upstream's may be a minute.
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry));
    }
}
