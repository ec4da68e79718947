package io.warden.policyservice.snapshot;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.warden.api.GrantTokens;
import io.warden.api.snapshot.v1.Acknowledgement;
import io.warden.api.snapshot.v1.Grant;
import io.warden.api.snapshot.v1.Server;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.policyservice.crypto.SecretCipher;
import io.warden.policyservice.testing.GatewayChannel;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC snapshot stream against the running service: a full snapshot, then each change, revisions rising. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class SnapshotStreamTest {
    PostgresServer postgres;

    @Inject
    SecretCipher cipher;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = GatewayChannel.open(GatewayChannel.KEY);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        GatewayChannel.close(channel);
    }

    /** Events of one Watch call, as they arrive. */
    private BlockingQueue<Object> watch(String gateway) {
        return GatewayChannel.<WatchEvent>collect(o -> SnapshotServiceGrpc.newStub(channel)
                .watch(WatchRequest.newBuilder().setGatewayId(gateway).build(), o));
    }

    private static WatchEvent next(BlockingQueue<Object> events) throws InterruptedException {
        return GatewayChannel.next(events, WatchEvent.class);
    }

    @Test
    void aFullSnapshotThenEveryChangeWithStrictlyIncreasingRevisions() throws Exception {
        String server = unique("ss");
        admin().body(Map.of("id", server, "name", "S", "url", "http://127.0.0.1:9/mcp?k=v", "http2", true,
                "headers", Map.of("X-Key", "stream-secret"))).post("/api/servers").then().statusCode(201);
        String policy = unique("sp");
        admin().body("{\"version\":\"1\", \"default\":\"deny\"}").post("/api/policies/" + policy)
                .then().statusCode(201);
        String grant = unique("sg");
        String token = admin().body(Map.of("id", grant, "label", "L", "server", server, "policy", policy))
                .post("/api/grants").then().statusCode(201).extract().path("token");

        BlockingQueue<Object> first = watch("gw-a");
        BlockingQueue<Object> second = watch("gw-b");
        WatchEvent snapshot = next(first);
        WatchEvent snapshotB = next(second);
        assertTrue(snapshot.hasSnapshot());
        assertTrue(snapshotB.hasSnapshot());
        long revision = snapshot.getRevision();
        assertEquals(Long.parseLong(postgres.psql("warden", "SELECT revision FROM store_revision")), revision);

        Server s = snapshot.getSnapshot().getServersList().stream().filter(x -> x.getId().equals(server))
                .findFirst().orElseThrow();
        assertEquals("http://127.0.0.1:9/mcp?k=v", s.getUrl(), "gateways get the real URL");
        assertTrue(s.getHttp2(), "the http2 flag travels");
        String sealed = s.getSealedHeadersMap().get("X-Key");
        assertTrue(sealed.startsWith("v2:"), "headers travel sealed");
        assertFalse(snapshot.toString().contains("stream-secret"));
        assertEquals("stream-secret", cipher.decrypt(sealed, SecretCipher.headerContext(server, "X-Key")));
        Grant g = snapshot.getSnapshot().getGrantsList().stream().filter(x -> x.getId().equals(grant))
                .findFirst().orElseThrow();
        assertEquals(GrantTokens.hash(token), g.getTokenHash());
        assertEquals(policy, g.getPolicy());
        assertTrue(snapshot.getSnapshot().getPoliciesList().stream()
                .anyMatch(p -> p.getName().equals(policy) && p.getVersion() == 1
                        && p.getDocument().equals("{\"default\":\"deny\",\"version\":\"1\"}")));

        // changes, each seen by both streams, in order
        admin().body("{\"version\":\"1\", \"default\":\"allow\"}").post("/api/policies/" + policy + "/versions")
                .then().statusCode(201);
        admin().post("/api/grants/" + grant + "/revoke").then().statusCode(200);
        admin().body(Map.of("era", "modern", "http2", false)).patch("/api/servers/" + server).then().statusCode(200);
        admin().body("{\"version\":\"1\", \"default\":\"nope\"}").post("/api/policies/" + policy + "/versions")
                .then().statusCode(422); // refused: no change, no revision

        for (BlockingQueue<Object> events : java.util.List.of(first, second)) {
            WatchEvent policyChange = next(events);
            assertTrue(policyChange.getRevision() > revision);
            assertEquals(policy, policyChange.getChange().getPolicy().getName());
            assertEquals(2, policyChange.getChange().getPolicy().getVersion());
            WatchEvent revoke = next(events);
            assertTrue(revoke.getRevision() > policyChange.getRevision());
            assertEquals(grant, revoke.getChange().getRemovedGrant());
            WatchEvent era = next(events);
            assertTrue(era.getRevision() > revoke.getRevision());
            assertEquals("modern", era.getChange().getServer().getEra());
            assertFalse(era.getChange().getServer().getHttp2());
            assertEquals(sealed, era.getChange().getServer().getSealedHeadersMap().get("X-Key"));
            assertEquals(null, events.poll(300, TimeUnit.MILLISECONDS), "nothing for the refused version");
        }
        String metrics = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("warden_snapshot_streams "), "open streams gauge");
        assertTrue(metrics.matches("(?s).*warden_snapshot_events_total\\{kind=\"change\"} [1-9].*"), "changes sent");
    }

    /**
     * Another replica's commit, simulated by writing the change log and notifying from a psql session: nothing in
     * this process signals the stream, only PostgreSQL's NOTIFY does.
     */
    @Test
    void aChangeCommittedElsewhereReachesTheStreamThroughNotify() throws Exception {
        BlockingQueue<Object> events = watch("gw-replica");
        long revision = next(events).getRevision();
        String entry = "{\"name\":\"from-elsewhere\",\"version\":1,\"hash\":\"sha256:00\",\"document\":\"{}\"}";
        postgres.psql("warden", "BEGIN; UPDATE store_revision SET revision = revision + 1;"
                + " INSERT INTO changes SELECT revision, now(), 'policy', 'from-elsewhere', '" + entry + "'"
                + " FROM store_revision; SELECT pg_notify('warden_changes', revision::text) FROM store_revision;"
                + " COMMIT;");
        WatchEvent change = next(events);
        assertEquals(revision + 1, change.getRevision());
        assertEquals("from-elsewhere", change.getChange().getPolicy().getName());
    }

    @Test
    void withoutAGatewayKeyEveryCallIsUnauthenticated() throws Exception {
        for (String key : new String[] {null, "test-gateway-key-wrong-0123456789",
                io.warden.policyservice.testing.Api.BOOTSTRAP}) {
            ManagedChannel bare = GatewayChannel.open(key);
            try {
                java.util.Iterator<WatchEvent> stream = SnapshotServiceGrpc.newBlockingStub(bare)
                        .withDeadlineAfter(20, TimeUnit.SECONDS).watch(WatchRequest.newBuilder().build());
                StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        StatusRuntimeException.class, stream::hasNext);
                assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
            } finally {
                GatewayChannel.close(bare);
            }
        }
        // the second configured key works too (rotation)
        ManagedChannel next = GatewayChannel.open("test-gateway-key-next-0123456789");
        try {
            assertTrue(SnapshotServiceGrpc.newBlockingStub(next).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .watch(WatchRequest.newBuilder().build()).next().hasSnapshot());
        } finally {
            GatewayChannel.close(next);
        }
    }

    /** More changes at once than one catch-up batch (500): all arrive, in revision order, none twice. */
    @Test
    void aBurstLargerThanOneBatchArrivesCompleteAndInOrder() throws Exception {
        BlockingQueue<Object> events = watch("gw-burst");
        long revision = next(events).getRevision();
        String entry = "{\"name\":\"burst\",\"version\":1,\"hash\":\"sha256:00\",\"document\":\"{}\"}";
        postgres.psql("warden", "BEGIN; SELECT revision FROM store_revision FOR UPDATE;"
                + " INSERT INTO changes SELECT revision + n, now(), 'policy', 'burst-' || n, '" + entry + "'"
                + " FROM store_revision, generate_series(1, 1200) AS n;"
                + " UPDATE store_revision SET revision = revision + 1200;"
                + " SELECT pg_notify('warden_changes', revision::text) FROM store_revision; COMMIT;");
        for (int i = 1; i <= 1200; i++) {
            WatchEvent change = next(events);
            assertEquals(revision + i, change.getRevision());
        }
        assertEquals(null, events.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void acknowledgementsShowWhichGatewayRunsWhichRevision() {
        SnapshotServiceGrpc.SnapshotServiceBlockingStub stub = SnapshotServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS);
        stub.acknowledge(Acknowledgement.newBuilder().setGatewayId("gw-ack").setRevision(7).build());
        admin().get("/api/gateways").then().statusCode(200)
                .body("gateways.find { it.gateway_id == 'gw-ack' }.revision", org.hamcrest.Matchers.equalTo(7))
                .body("store_revision", org.hamcrest.Matchers.greaterThanOrEqualTo(0));
        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.acknowledge(Acknowledgement.newBuilder().setRevision(1).build()));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    }
}
