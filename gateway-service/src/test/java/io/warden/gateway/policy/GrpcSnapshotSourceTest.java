package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.warden.api.crypto.Keyring;
import io.warden.api.snapshot.v1.AcknowledgeReply;
import io.warden.api.snapshot.v1.Acknowledgement;
import io.warden.api.snapshot.v1.Change;
import io.warden.api.snapshot.v1.Policy;
import io.warden.api.snapshot.v1.Resumed;
import io.warden.api.snapshot.v1.Snapshot;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.snapshot.GatewaySnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's stream client against a real gRPC server (grpc-netty) playing policy-service: it resumes after the
 * revision it runs, starts over in full when a resume does not fit, and speaks TLS to a self-signed certificate it
 * was told to trust.
 */
class GrpcSnapshotSourceTest {
    private static final String POLICY = "{\"default\":\"allow\",\"version\":\"1\"}";

    @TempDir
    Path dir;

    /** Answers each Watch call with the next script; records every request. */
    static final class FakePolicyService extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        final List<WatchRequest> requests = new CopyOnWriteArrayList<>();
        final BlockingQueue<List<WatchEvent>> scripts = new LinkedBlockingQueue<>();
        final List<Long> acks = new CopyOnWriteArrayList<>();
        // True: a stream stays open after its script, as policy-service's does between changes.
        volatile boolean holdOpen;

        @Override
        public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
            requests.add(request);
            List<WatchEvent> script = scripts.poll();
            if (script == null) {
                return; // stay open and silent
            }
            script.forEach(out::onNext);
            if (!holdOpen) {
                out.onCompleted(); // the stream ends: the gateway reconnects
            }
        }

        @Override
        public void acknowledge(Acknowledgement request, StreamObserver<AcknowledgeReply> out) {
            acks.add(request.getRevision());
            out.onNext(AcknowledgeReply.getDefaultInstance());
            out.onCompleted();
        }
    }

    private Server server;
    private GrpcSnapshotSource source;

    @AfterEach
    void stop() throws InterruptedException {
        if (source != null) {
            source.close();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static WatchEvent snapshot(long revision) {
        return WatchEvent.newBuilder().setRevision(revision).setSnapshot(Snapshot.newBuilder()
                .addPolicies(Policy.newBuilder().setName("p").setVersion(1).setDocument(POLICY))).build();
    }

    private static WatchEvent policyChange(long revision, int version) {
        return WatchEvent.newBuilder().setRevision(revision).setChange(Change.newBuilder()
                .setPolicy(Policy.newBuilder().setName("p").setVersion(version).setDocument(POLICY))).build();
    }

    private static WatchEvent resumed(long revision) {
        return WatchEvent.newBuilder().setRevision(revision).setResumed(Resumed.getDefaultInstance()).build();
    }

    private GrpcSnapshotSource source(int port, GrpcSnapshotSource.Transport transport,
                                      AtomicReference<GatewaySnapshot> current) {
        GrpcSnapshotSource s = new GrpcSnapshotSource(new GrpcSnapshotSource.Settings(List.of("localhost:" + port),
                "test-gateway-key-0123456789abcdef", "gw-test", Duration.ofMillis(20), Duration.ofMillis(100), transport),
                new ConnectedSnapshots(Keyring.decryptOnly(Map.of(), "keys")),
                new SnapshotFile(dir.resolve("snap.bin")), Clock.systemUTC());
        s.start(current::set);
        return s;
    }

    @Test
    void aReconnectResumesAfterTheRevisionItRunsAndGetsOnlyTheChanges() throws Exception {
        FakePolicyService fake = new FakePolicyService();
        fake.scripts.add(List.of(snapshot(5)));
        fake.scripts.add(List.of(resumed(5), policyChange(6, 2)));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake).build().start();
        AtomicReference<GatewaySnapshot> current = new AtomicReference<>();
        source = source(server.getPort(), GrpcSnapshotSource.Transport.DEFAULT, current);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> source.revision().orElse(0L) == 6L);
        assertEquals(0, fake.requests.get(0).getResumeAfter(), "nothing to resume from at first");
        assertEquals(5, fake.requests.get(1).getResumeAfter());
        assertEquals(1, source.resumes());
        assertEquals("2", current.get().policies().get("p").version());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fake.acks.contains(6L));
        // On disk, for a restart without policy-service: the state after the change, not only the snapshot.
        SnapshotFile disk = new SnapshotFile(dir.resolve("snap.bin"));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> disk.read().map(WatchEvent::getRevision).orElse(0L) == 6L);
        assertEquals(2, disk.read().orElseThrow().getSnapshot().getPolicies(0).getVersion());
    }

    /**
     * What readiness and the metrics read: not ready (age NaN) before a first snapshot; age 0 while the stream that
     * delivered it stays open; once it is lost, still ready on the same revision, its age growing.
     */
    @Test
    void readyOnlyWithASnapshotAndItsAgeGrowsOnlyWhileTheStreamIsLost() throws Exception {
        FakePolicyService silent = new FakePolicyService();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(silent).build().start();
        source = source(server.getPort(), GrpcSnapshotSource.Transport.DEFAULT, new AtomicReference<>());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> silent.requests.size() == 1);
        assertFalse(source.ready(), "no snapshot yet (none on disk either)");
        assertTrue(source.revision().isEmpty());
        assertTrue(Double.isNaN(source.ageSeconds()));
        stop();

        FakePolicyService fake = new FakePolicyService();
        fake.holdOpen = true;
        fake.scripts.add(List.of(snapshot(5)));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake).build().start();
        source = source(server.getPort(), GrpcSnapshotSource.Transport.DEFAULT, new AtomicReference<>());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(source::ready);
        assertEquals(5L, source.revision().orElseThrow());
        assertEquals(0.0, source.ageSeconds(), "current while its stream is open");

        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> source.ageSeconds() > 0);
        assertTrue(source.ready(), "still serving what it has");
        assertEquals(5L, source.revision().orElseThrow());
    }

    @Test
    void aResumeAtAnotherRevisionIsRefusedAndASnapshotAskedFor() throws Exception {
        FakePolicyService fake = new FakePolicyService();
        fake.scripts.add(List.of(snapshot(5)));
        fake.scripts.add(List.of(resumed(4), policyChange(5, 9))); // wrong: the gateway runs 5
        fake.scripts.add(List.of(snapshot(7)));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake).build().start();
        AtomicReference<GatewaySnapshot> current = new AtomicReference<>();
        source = source(server.getPort(), GrpcSnapshotSource.Transport.DEFAULT, current);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> source.revision().orElse(0L) == 7L);
        assertEquals(5, fake.requests.get(1).getResumeAfter());
        assertEquals(0, fake.requests.get(2).getResumeAfter(), "after a resume that did not fit: a full snapshot");
        assertEquals(0, source.resumes());
        assertEquals("1", current.get().policies().get("p").version(), "the misplaced change was never applied");
    }

    @Test
    void tlsToASelfSignedCertificateThatIsTrusted() throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0, output);

        FakePolicyService fake = new FakePolicyService();
        fake.scripts.add(List.of(snapshot(3)));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake)
                .sslContext(GrpcSslContexts.forServer(cert.toFile(), key.toFile()).build()).build().start();

        // Not trusted (the JVM's CAs do not know it): no snapshot ever arrives.
        AtomicReference<GatewaySnapshot> untrusting = new AtomicReference<>();
        GrpcSnapshotSource refused = source(server.getPort(), new GrpcSnapshotSource.Transport(Duration.ofSeconds(30),
                Duration.ofSeconds(10), true, Optional.empty()), untrusting);
        try {
            // It keeps retrying (every 20-100 ms here); none of the attempts gets past the handshake.
            Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> !refused.ready() && fake.requests.isEmpty());
        } finally {
            refused.close();
        }

        AtomicReference<GatewaySnapshot> current = new AtomicReference<>();
        source = source(server.getPort(), new GrpcSnapshotSource.Transport(Duration.ofSeconds(30),
                Duration.ofSeconds(10), true, Optional.of(cert)), current);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(source::ready);
        assertEquals(3L, source.revision().orElseThrow());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("snap.bin")));
    }
}
