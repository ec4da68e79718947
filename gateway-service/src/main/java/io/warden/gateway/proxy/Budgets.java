package io.warden.gateway.proxy;

import io.warden.gateway.cluster.RevocationSet;
import io.warden.gateway.cluster.SessionCounts;
import io.warden.gateway.metrics.ProxyMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What one pod lends out, decided before anything is sent upstream: long-lived streams (standalone GET streams and
 * HTTP+SSE upstream channels, each on a connection of its own or multiplexed on an HTTP/2 one), the descriptors they
 * hold and the stream slots of each origin's HTTP/2 connections, calls in flight (every POST and DELETE, including a
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

    /**
     * How a stream reaches its upstream, which decides what else it must fit in besides the stream budgets. Over
     * HTTP/1.1 a stream has a connection of its own: two descriptors (the client's and the upstream's). Multiplexed over
     * HTTP/2 it takes one of {@code connections × perConnection} stream slots of its origin and one descriptor; the
     * origin's {@code connections} descriptors are held while any stream to it is open (the client may open them all,
     * however it spreads the streams). {@code mayFallBack}: the upstream may still choose HTTP/1.1 (ALPN), so the stream
     * is charged two descriptors, as over HTTP/1.1.
     */
    record Lane(String origin, int connections, int perConnection, boolean mayFallBack) {
        /** A connection of its own (HTTP/1.1), or no upstream connection counted apart from the client's. */
        static final Lane OWN_CONNECTION = new Lane(null, 0, 0, true);

        static Lane multiplexed(String origin, int connections, int perConnection, boolean mayFallBack) {
            return new Lane(origin, Math.max(1, connections), Math.max(1, perConnection), mayFallBack);
        }

        boolean multiplexed() {
            return origin != null;
        }

        /** Stream slots of the origin's connections. */
        int capacity() {
            return (int) Math.min(Integer.MAX_VALUE, (long) connections * perConnection);
        }

        /** Descriptors of the stream itself, not counting shared connections. */
        int descriptors() {
            return mayFallBack ? 2 : 1;
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
    private final long maxStreamDescriptors;
    private final AtomicInteger calls = new AtomicInteger();
    /** Descriptors held by streams: their client connections, own upstream connections and shared HTTP/2 ones. */
    private final AtomicLong streamDescriptors = new AtomicLong();
    private final Map<String, AtomicInteger> multiplexedPerOrigin = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> streamsPerGrant = new ConcurrentHashMap<>();
    private final Map<String, Window> sessionWindows = new ConcurrentHashMap<>();

    private record Window(long start, int count) {}

    Budgets(int maxStreams, int maxStreamsPerGrant, int maxCalls, int maxSessionsPerGrantPerMinute,
            int maxRevocationsPerGrant, long maxBufferedBytes, ProxyMetrics metrics, LongSupplier nanoTime) {
        this(maxStreams, maxStreamsPerGrant, maxCalls, maxSessionsPerGrantPerMinute, maxRevocationsPerGrant,
                maxBufferedBytes, Long.MAX_VALUE, metrics, nanoTime);
    }

    /** @param maxStreamDescriptors file descriptors streams may hold in all ({@link #streamDescriptors}) */
    Budgets(int maxStreams, int maxStreamsPerGrant, int maxCalls, int maxSessionsPerGrantPerMinute,
            int maxRevocationsPerGrant, long maxBufferedBytes, long maxStreamDescriptors, ProxyMetrics metrics,
            LongSupplier nanoTime) {
        this.maxStreamDescriptors = maxStreamDescriptors;
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

    /** A long-lived stream on a connection of its own (or none upstream): the pod's stream budget and the grant's. */
    Taken stream(String server, String grantId) {
        return stream(server, grantId, Lane.OWN_CONNECTION);
    }

    /**
     * A long-lived stream for {@code grantId} to {@code server} over {@code lane}: the pod's stream budget, the grant's,
     * the stream slots of the origin's HTTP/2 connections, and the descriptors streams may hold. Each is checked before
     * anything is sent, so a stream never waits upstream for a slot or a connection.
     */
    Taken stream(String server, String grantId, Lane lane) {
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
        AtomicInteger slots = lane.multiplexed() ? multiplexedPerOrigin.computeIfAbsent(lane.origin(), o -> new AtomicInteger())
                : null;
        long cost = lane.descriptors();
        if (slots != null) {
            int n = slots.incrementAndGet();
            if (n > lane.capacity()) {
                slots.decrementAndGet();
                mine.decrementAndGet();
                pod.decrementAndGet();
                return refused(server, new Refusal("http2_streams_exhausted", "http2-max-connections",
                        "The upstream's HTTP/2 connections carry as many streams as they may (http2-max-connections × "
                                + "http2-max-streams-per-connection = " + lane.capacity() + "); retry shortly", 503, 5));
            }
            // The first stream to the origin holds its connections for every stream after it.
            cost += n == 1 ? lane.connections() : 0;
        }
        if (streamDescriptors.addAndGet(cost) > maxStreamDescriptors) {
            release(lane, slots, streamDescriptors, cost);
            mine.decrementAndGet();
            pod.decrementAndGet();
            return refused(server, new Refusal("files_exhausted", "max-concurrent-streams",
                    "This gateway's open-file limit leaves no descriptor for another stream (" + maxStreamDescriptors
                            + " for streams); retry shortly", 503, 5));
        }
        AtomicInteger open = metrics.serverStreams(server);
        open.incrementAndGet();
        return new Taken(new Permit(() -> {
            open.decrementAndGet();
            release(lane, slots, streamDescriptors, lane.descriptors());
            mine.decrementAndGet();
            pod.decrementAndGet();
        }), null);
    }

    /** Gives back a stream's descriptors and slot, and the origin's connections with its last stream. */
    private static void release(Lane lane, AtomicInteger slots, AtomicLong descriptors, long own) {
        long back = own;
        if (slots != null) {
            back = lane.descriptors() + (slots.decrementAndGet() == 0 ? lane.connections() : 0);
        }
        descriptors.addAndGet(-back);
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
     * The descriptors streams may hold without taking those calls need: the open-file limit less {@value #FILE_RESERVE}
     * for the rest and up to two per call in flight. A stream over HTTP/1.1 holds two (the client's connection and its
     * own upstream connection), one over HTTP/2 (plus a share of its origin's connections). Past the open-file limit a
     * new connection fails, and calls then failed as "unreachable" behind the streams. {@code fileLimit} unknown (0 or
     * less): no bound.
     */
    static long streamDescriptors(int maxCalls, long fileLimit) {
        if (fileLimit <= 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, fileLimit - FILE_RESERVE - 2L * maxCalls);
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

    /** Descriptors streams hold now (client connections, own upstream connections, shares of HTTP/2 ones). */
    long streamDescriptorsHeld() {
        return streamDescriptors.get();
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
