package io.warden.gateway.proxy;

import io.warden.gateway.cluster.RevocationSet;
import io.warden.gateway.cluster.SessionCounts;
import io.warden.gateway.metrics.ProxyMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What one pod lends out, decided before anything is sent upstream: long-lived streams (standalone GET streams and
 * HTTP+SSE upstream channels, each on a connection of its own), calls in flight (every POST and DELETE, including a
 * POST whose answer turns into SSE, on the call pool), streams per grant, sessions created or ended per grant per
 * minute, and sessions ended (revocations held until the sessions' expiry) per grant. A refusal names the setting that ran out, so the client can be told exactly what to wait for.
 *
 * <p>Counters only: thread-safe without locks, so every event loop checks the same pod-wide numbers.
 */
final class Budgets {

    /** What ran out: the cause tag on the refusal metric, the setting's name, and the text for the client. */
    record Refusal(String cause, String setting, String message, int status, int retryAfterSeconds) {}

    /** A budget taken; giving it back twice is harmless. */
    static final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();
        private final Runnable onRelease;

        private Permit(Runnable onRelease) {
            this.onRelease = onRelease;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                onRelease.run();
            }
        }
    }

    /** A permit or the reason there is none. */
    record Taken(Permit permit, Refusal refusal) {
        boolean granted() {
            return permit != null;
        }
    }

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);
    /** Descriptors kept for everything but streams and calls: jars, logs, Redis, Kafka, clients' idle connections. */
    static final int FILE_RESERVE = 512;

    private final int maxStreams;
    private final int maxStreamsPerGrant;
    private final int maxCalls;
    private final int maxSessionsPerGrantPerMinute;
    private final int maxRevocationsPerGrant;
    private final BufferBudget buffers;
    private final ProxyMetrics metrics;
    private final LongSupplier nanoTime;
    private final AtomicInteger calls = new AtomicInteger();
    private final Map<String, AtomicInteger> streamsPerGrant = new ConcurrentHashMap<>();
    private final Map<String, Window> sessionWindows = new ConcurrentHashMap<>();

    private record Window(long start, int count) {}

    Budgets(int maxStreams, int maxStreamsPerGrant, int maxCalls, int maxSessionsPerGrantPerMinute,
            int maxRevocationsPerGrant, long maxBufferedBytes, ProxyMetrics metrics, LongSupplier nanoTime) {
        this.maxRevocationsPerGrant = maxRevocationsPerGrant;
        this.buffers = new BufferBudget(maxBufferedBytes);
        metrics.bufferedBytes(buffers, BufferBudget::used);
        this.maxStreams = maxStreams;
        this.maxStreamsPerGrant = maxStreamsPerGrant;
        this.maxCalls = maxCalls;
        this.maxSessionsPerGrantPerMinute = maxSessionsPerGrantPerMinute;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
    }

    /** A long-lived stream for {@code grantId} to {@code server}: the pod's stream budget and the grant's. */
    Taken stream(String server, String grantId) {
        if (!buffers.hasRoom()) {
            return refused(server, buffersExhausted());
        }
        AtomicInteger pod = metrics.activeStreams();
        if (pod.incrementAndGet() > maxStreams) {
            pod.decrementAndGet();
            return refused(server, new Refusal("streams_exhausted", "max-concurrent-streams",
                    "Too many concurrent streams on this gateway (max-concurrent-streams " + maxStreams
                            + "); retry shortly", 503, 5));
        }
        AtomicInteger mine = streamsPerGrant.computeIfAbsent(grantId, g -> new AtomicInteger());
        if (mine.incrementAndGet() > maxStreamsPerGrant) {
            mine.decrementAndGet();
            pod.decrementAndGet();
            return refused(server, new Refusal("grant_streams_exhausted", "max-streams-per-grant",
                    "This grant already holds " + maxStreamsPerGrant + " open streams on this gateway"
                            + " (max-streams-per-grant); close one or retry later", 503, 5));
        }
        AtomicInteger open = metrics.serverStreams(server);
        open.incrementAndGet();
        return new Taken(new Permit(() -> {
            open.decrementAndGet();
            mine.decrementAndGet();
            pod.decrementAndGet();
        }), null);
    }

    /** One call in flight (request/response, or answered as SSE), released when its upstream exchange ends. */
    Taken call(String server) {
        if (!buffers.hasRoom()) {
            return refused(server, buffersExhausted());
        }
        if (calls.incrementAndGet() > maxCalls) {
            calls.decrementAndGet();
            return refused(server, new Refusal("calls_exhausted", "max-calls-in-flight",
                    "Too many calls in flight on this gateway (max-calls-in-flight " + maxCalls
                            + "); the call was not run, retry shortly", 503, 1));
        }
        return new Taken(new Permit(calls::decrementAndGet), null);
    }

    /**
     * An {@code initialize} or {@code DELETE} of {@code grantId}, counted by all pods ({@code shared}, the window after
     * this event) or, when {@code shared} is null, by this pod alone: null when within the grant's rate, else why not.
     */
    Refusal session(String server, String grantId, SessionCounts.Window shared) {
        if (shared == null) {
            return session(server, grantId);
        }
        if (shared.count() <= maxSessionsPerGrantPerMinute) {
            return null;
        }
        return sessionsExhausted(server, Math.max(1, TimeUnit.MILLISECONDS.toSeconds(shared.millisLeft() + 999)));
    }

    /** An {@code initialize} or {@code DELETE} of {@code grantId} counted on this pod: null when within the rate. */
    Refusal session(String server, String grantId) {
        long now = nanoTime.getAsLong();
        boolean[] admitted = new boolean[1];
        Window w = sessionWindows.compute(grantId, (g, old) -> {
            Window current = old == null || now - old.start() >= MINUTE ? new Window(now, 0) : old;
            admitted[0] = current.count() < maxSessionsPerGrantPerMinute;
            return admitted[0] ? new Window(current.start(), current.count() + 1) : current;
        });
        if (admitted[0]) {
            return null;
        }
        return sessionsExhausted(server, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(MINUTE - (now - w.start())) + 1));
    }

    private Refusal sessionsExhausted(String server, long waitSeconds) {
        return refused(server, new Refusal("grant_sessions_exhausted", "max-sessions-per-grant-per-minute",
                "This grant created or ended " + maxSessionsPerGrantPerMinute
                        + " sessions in the last minute (max-sessions-per-grant-per-minute); retry later", 429,
                (int) Math.min(60, waitSeconds))).refusal();
    }

    /**
     * A {@code DELETE} of a grant that holds {@code held} revocations: null when it may end one more session, else why
     * not. A revocation is held until its session would have expired, so the refusal says when the first one goes.
     */
    Refusal revocation(String server, RevocationSet.Holding held) {
        if (held.count() < maxRevocationsPerGrant) {
            return null;
        }
        long wait = Math.max(1, held.firstExpiresInSeconds());
        return refused(server, new Refusal("grant_revocations_exhausted", "max-revocations-per-grant",
                "This grant already ended " + maxRevocationsPerGrant + " sessions that have not expired yet"
                        + " (max-revocations-per-grant); the session was not ended and stays valid until it expires",
                429, (int) Math.min(Integer.MAX_VALUE, wait))).refusal();
    }

    /** Bytes held for answers pod-wide: a lease per answer being collected or event being assembled. */
    BufferBudget.Lease bufferLease() {
        return buffers.lease();
    }

    /**
     * The buffer budget ran out, before the exchange was sent (nothing ran) or while its answer arrived (counted here,
     * answered by the caller: the upstream may have run the call).
     */
    Refusal buffersExhausted() {
        return new Refusal("buffer_exhausted", "max-buffered-bytes",
                "The gateway holds as many answer bytes as it may (max-buffered-bytes " + buffers.max()
                        + "); retry shortly", 503, 1);
    }

    /** Counts a refusal that came after the exchange was sent. */
    void countRefusal(String server, Refusal r) {
        metrics.refusal(server, r.cause());
    }

    /**
     * The streams this process can hold without taking the descriptors calls need: each stream holds two (the client's
     * connection and its own upstream connection), each call in flight up to two, plus {@value #FILE_RESERVE} for the
     * rest. Past the open-file limit a new connection fails, and calls then failed as "unreachable" behind the streams.
     * {@code fileLimit} unknown (0 or less): the configured value.
     */
    static int streamsWithinFileLimit(int configured, int maxCalls, long fileLimit) {
        if (fileLimit <= 0) {
            return configured;
        }
        long room = (fileLimit - FILE_RESERVE - 2L * maxCalls) / 2;
        return (int) Math.max(0, Math.min(configured, room));
    }

    /** This process's open-file limit, or 0 when the JVM cannot tell. */
    static long openFileLimit() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 0;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** Calls in flight on this pod now. */
    int callsInFlight() {
        return calls.get();
    }

    /** Streams {@code grantId} holds on this pod now. */
    int streamsOf(String grantId) {
        AtomicInteger n = streamsPerGrant.get(grantId);
        return n == null ? 0 : n.get();
    }

    private Taken refused(String server, Refusal r) {
        metrics.refusal(server, r.cause());
        return new Taken(null, r);
    }
}
