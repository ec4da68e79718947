package io.warden.gateway.policy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.warden.api.snapshot.v1.AcknowledgeReply;
import io.warden.api.snapshot.v1.Acknowledgement;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.snapshot.GatewaySnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Connected mode's source: follows policy-service's {@code SnapshotService.Watch} stream. gRPC callbacks only hand
 * events over; one worker thread of its own applies them in order (compiling a snapshot of many policies is CPU work
 * that must never run on an event loop), swaps each new snapshot in, acknowledges its revision and stores it on disk
 * (once per burst of changes).
 * A broken stream reconnects, to the next endpoint, after an exponential wait with jitter; meanwhile the gateway keeps
 * enforcing what it runs. At start the disk snapshot is served at once, before any stream answers.
 */
public final class GrpcSnapshotSource implements SnapshotSource {

    private static final Logger LOG = Logger.getLogger(GrpcSnapshotSource.class);

    /** Connection settings. */
    public record Settings(List<String> endpoints, String gatewayKey, String gatewayId, Duration reconnectMin,
                           Duration reconnectMax, Transport transport) {
        public Settings(List<String> endpoints, String gatewayKey, String gatewayId, Duration reconnectMin,
                        Duration reconnectMax) {
            this(endpoints, gatewayKey, gatewayId, reconnectMin, reconnectMax, Transport.DEFAULT);
        }
    }

    /**
     * How the channel talks: HTTP/2 keepalive pings (a dead connection is noticed and replaced instead of waiting on a
     * stream that will never speak again), and TLS, trusting {@code trustCertificates} (PEM) or else the JVM's CAs.
     */
    public record Transport(Duration keepAliveTime, Duration keepAliveTimeout, boolean tls,
                            Optional<java.nio.file.Path> trustCertificates) {
        public static final Transport DEFAULT = new Transport(Duration.ofSeconds(30), Duration.ofSeconds(10), false,
                Optional.empty());
    }

    private final Settings settings;
    private final ConnectedSnapshots snapshots;
    private final SnapshotFile file;
    private final Clock clock;
    private final List<ManagedChannel> channels;
    private final ScheduledExecutorService worker;
    private Consumer<GatewaySnapshot> onSnapshot;
    // Written by the worker only; read by metrics and readiness.
    private volatile ConnectedSnapshots.State state;
    private volatile long freshMillis;
    // True while a stream that delivered its snapshot stays open: what runs is current, its age is 0.
    private volatile boolean live;
    private volatile boolean closed;
    private int failures;
    private int next;
    private Stream stream;
    // The next connect asks for a full snapshot (after a resume that did not fit).
    private boolean noResume;
    // A disk write of the state is waiting on the worker.
    private boolean writeQueued;
    private volatile long resumes;

    public GrpcSnapshotSource(Settings settings, ConnectedSnapshots snapshots, SnapshotFile file, Clock clock) {
        this.settings = settings;
        this.snapshots = snapshots;
        this.file = file;
        this.clock = clock;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "warden-snapshot");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.worker = executor;
        this.channels = PolicyChannels.open(settings.endpoints(), PolicyChannels.bearer(settings.gatewayKey()),
                builder -> transport(builder, settings.transport()));
    }

    private static void transport(NettyChannelBuilder builder, Transport transport) {
        builder.keepAliveTime(transport.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(transport.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // The stream is idle between changes: pings must go on without a call in flight too.
                .keepAliveWithoutCalls(true);
        if (transport.tls()) {
            builder.sslContext(sslContext(transport.trustCertificates()));
        } else {
            builder.usePlaintext();
        }
    }

    private static io.netty.handler.ssl.SslContext sslContext(Optional<java.nio.file.Path> trust) {
        try {
            io.netty.handler.ssl.SslContextBuilder b = io.grpc.netty.GrpcSslContexts.forClient();
            if (trust.isPresent()) {
                b.trustManager(trust.get().toFile());
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("warden.gateway.connected.tls.trust-certificates: cannot use "
                    + trust.map(Object::toString).orElse("the JVM's trust store") + " (" + e.getMessage() + ")", e);
        }
    }

    /** Serves the disk snapshot (if any) before returning, then opens the stream in the background. */
    @Override
    public void start(Consumer<GatewaySnapshot> onSnapshot) {
        this.onSnapshot = onSnapshot;
        loadFromDisk();
        worker.execute(this::connect);
    }

    /** The revision served, or empty before the first snapshot (from the stream or disk). */
    public Optional<Long> revision() {
        ConnectedSnapshots.State s = state;
        return s == null ? Optional.empty() : Optional.of(s.revision());
    }

    /**
     * How stale what runs may be: 0 while the stream is open and current; otherwise seconds since the stream was lost
     * (or since the disk snapshot was written, when serving from disk). NaN before any snapshot.
     */
    public double ageSeconds() {
        if (state == null) {
            return Double.NaN;
        }
        return live ? 0 : Math.max(0, clock.millis() - freshMillis) / 1000.0;
    }

    public boolean ready() {
        return state != null;
    }

    /** How many streams resumed after the revision this gateway ran, instead of sending a whole snapshot. */
    public long resumes() {
        return resumes;
    }

    private void loadFromDisk() {
        try {
            Optional<WatchEvent> saved = file.read();
            if (saved.isEmpty()) {
                LOG.infof("No snapshot at %s yet: not ready until policy-service sends one", file.path());
                return;
            }
            ConnectedSnapshots.Outcome o = snapshots.fromSnapshot(saved.get().getRevision(), saved.get().getSnapshot());
            if (o instanceof ConnectedSnapshots.Applied a) {
                freshMillis = java.nio.file.Files.getLastModifiedTime(file.path()).toMillis();
                install(a.state(), false);
                LOG.infof("Serving revision %d from %s until policy-service answers", a.state().revision(), file.path());
            } else if (o instanceof ConnectedSnapshots.Refused r) {
                LOG.errorf("The snapshot in %s is refused (%s); waiting for policy-service", file.path(), r.problems());
            }
        } catch (Exception e) {
            LOG.errorf("Cannot read the snapshot in %s (%s); waiting for policy-service", file.path(), e.toString());
        }
    }

    // ---- on the worker thread only ----

    private void connect() {
        if (closed) {
            return;
        }
        int index = next++ % channels.size();
        Stream s = new Stream(index);
        stream = s;
        // Resume after what runs (from the stream or from disk): only the changes since come, not a whole snapshot.
        long resumeAfter = state == null || noResume ? 0 : state.revision();
        noResume = false;
        // Our own schedule decides when to retry, not the channel's back-off (see PolicyChannels.connectNow).
        SnapshotServiceGrpc.newStub(PolicyChannels.connectNow(channels.get(index))).watch(WatchRequest.newBuilder()
                .setGatewayId(settings.gatewayId()).setResumeAfter(resumeAfter).build(), s);
    }

    private void onEvent(Stream from, WatchEvent event) {
        if (from != stream || closed) {
            return;
        }
        failures = 0;
        if (event.hasResumed()) {
            if (state != null && state.revision() == event.getRevision()) {
                freshMillis = clock.millis();
                live = true;
                resumes++;
                acknowledge(from.index, state.revision());
            } else {
                // Not what this gateway runs (it cannot happen unless the server is wrong): start over, in full.
                LOG.warnf("policy-service resumed at revision %d, but this gateway runs %s; reconnecting for a snapshot",
                        event.getRevision(), state == null ? "none" : state.revision());
                noResume = true;
                from.cancel();
                onEnd(from, null);
            }
            return;
        }
        ConnectedSnapshots.Outcome o;
        if (event.hasSnapshot()) {
            o = snapshots.fromSnapshot(event.getRevision(), event.getSnapshot(), state);
        } else if (state == null) {
            LOG.warnf("A change (revision %d) before any snapshot; ignored", event.getRevision());
            return;
        } else {
            o = snapshots.apply(state, event.getRevision(), event.getChange());
        }
        if (o instanceof ConnectedSnapshots.Applied a) {
            freshMillis = clock.millis();
            live = true;
            install(a.state(), true);
            acknowledge(from.index, a.state().revision());
        } else if (o instanceof ConnectedSnapshots.Refused r) {
            LOG.errorf("Revision %d refused, still serving revision %s: %s", event.getRevision(),
                    state == null ? "none" : state.revision(), String.join("; ", r.problems()));
        }
    }

    private void install(ConnectedSnapshots.State next, boolean persist) {
        state = next;
        onSnapshot.accept(next.view());
        if (persist && !writeQueued) {
            // Writing is the whole state (megabytes for a large store), applying a change is not: queued behind the
            // events already waiting, one write stores a whole burst of changes.
            writeQueued = true;
            submit(this::persist);
        }
    }

    private void persist() {
        writeQueued = false;
        ConnectedSnapshots.State s = state;
        try {
            file.write(s.revision(), s.toSnapshot());
        } catch (Exception e) {
            LOG.warnf("Cannot write the snapshot to %s: %s (serving it anyway)", file.path(), e.toString());
        }
    }

    private void acknowledge(int index, long revision) {
        SnapshotServiceGrpc.newStub(channels.get(index)).acknowledge(Acknowledgement.newBuilder()
                .setGatewayId(settings.gatewayId()).setRevision(revision).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(AcknowledgeReply value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        LOG.debugf("Acknowledging revision %d failed: %s", revision, Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    private void onEnd(Stream from, Throwable error) {
        if (from != stream || closed) {
            return;
        }
        stream = null;
        if (live) {
            freshMillis = clock.millis();
            live = false;
        }
        long delay = backoffMillis(failures++);
        Status status = error == null ? Status.OK : Status.fromThrowable(error);
        LOG.warnf("Snapshot stream from %s ended (%s%s); reconnecting in %d ms, serving revision %s",
                settings.endpoints().get(from.index), status.getCode(),
                status.getDescription() == null ? "" : ": " + status.getDescription(), delay,
                state == null ? "none" : state.revision());
        worker.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Exponential from reconnect-min, capped at reconnect-max, each wait drawn from its upper half (jitter). */
    long backoffMillis(int attempt) {
        long min = Math.max(1, settings.reconnectMin().toMillis());
        long max = Math.max(min, settings.reconnectMax().toMillis());
        long ceiling = attempt >= 30 ? max : Math.min(max, min << attempt);
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    /** One Watch call; its callbacks run on gRPC's threads and only hand over to the worker. */
    private final class Stream implements io.grpc.stub.ClientResponseObserver<WatchRequest, WatchEvent> {
        final int index;
        private volatile io.grpc.stub.ClientCallStreamObserver<WatchRequest> call;

        Stream(int index) {
            this.index = index;
        }

        @Override
        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchRequest> requestStream) {
            call = requestStream;
        }

        void cancel() {
            io.grpc.stub.ClientCallStreamObserver<WatchRequest> c = call;
            if (c != null) {
                c.cancel("restarting without resume", null);
            }
        }

        @Override
        public void onNext(WatchEvent value) {
            submit(() -> onEvent(this, value));
        }

        @Override
        public void onError(Throwable t) {
            submit(() -> onEnd(this, t));
        }

        @Override
        public void onCompleted() {
            submit(() -> onEnd(this, null));
        }
    }

    private void submit(Runnable task) {
        if (!closed) {
            try {
                worker.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
