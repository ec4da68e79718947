package io.warden.policyservice.snapshot;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.testing.GatewayChannel;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A gateway that reconnects with the revision it runs gets only what changed since, while the log holds it. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class ResumeTest {
    PostgresServer postgres;

    @Inject
    Database db;

    @Inject
    ChangeLog changes;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = GatewayChannel.open(GatewayChannel.KEY);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        GatewayChannel.close(channel);
    }

    private BlockingQueue<Object> watch(long resumeAfter) {
        WatchRequest request = WatchRequest.newBuilder().setGatewayId("gw-resume").setResumeAfter(resumeAfter).build();
        return GatewayChannel.<WatchEvent>collect(o -> SnapshotServiceGrpc.newStub(channel).watch(request, o));
    }

    private static WatchEvent next(BlockingQueue<Object> events) throws InterruptedException {
        return GatewayChannel.next(events, WatchEvent.class);
    }

    private long storeRevision() {
        return Long.parseLong(postgres.psql("warden", "SELECT revision FROM store_revision"));
    }

    private String createPolicy() {
        String name = unique("rp");
        admin().body("{\"version\":\"1\", \"default\":\"deny\"}").post("/api/policies/" + name).then().statusCode(201);
        return name;
    }

    @Test
    void resumesWithOnlyTheChangesAfterTheRevisionItRuns() throws Exception {
        admin().body(Map.of("id", unique("rs"), "name", "S", "url", "http://127.0.0.1:9/mcp")).post("/api/servers")
                .then().statusCode(201);
        long runs = storeRevision();
        String missed = createPolicy(); // made while the gateway was away

        BlockingQueue<Object> events = watch(runs);
        WatchEvent first = next(events);
        assertTrue(first.hasResumed(), "no snapshot: " + first.getBodyCase());
        assertEquals(runs, first.getRevision());
        WatchEvent change = next(events);
        assertEquals(runs + 1, change.getRevision());
        assertEquals(missed, change.getChange().getPolicy().getName());

        // Live changes follow on the resumed stream as on any other.
        String live = createPolicy();
        WatchEvent after = next(events);
        assertEquals(runs + 2, after.getRevision());
        assertEquals(live, after.getChange().getPolicy().getName());
    }

    @Test
    void aGatewayThatIsCurrentResumesWithNothingToSend() throws Exception {
        createPolicy();
        long runs = storeRevision();
        BlockingQueue<Object> events = watch(runs);
        WatchEvent first = next(events);
        assertTrue(first.hasResumed());
        assertEquals(runs, first.getRevision());
        assertNull(events.poll(300, TimeUnit.MILLISECONDS), "nothing changed, nothing sent");
    }

    @Test
    void aRevisionThisStoreNeverReachedGetsAFullSnapshot() throws Exception {
        createPolicy();
        WatchEvent first = next(watch(storeRevision() + 1000));
        assertTrue(first.hasSnapshot());
        assertEquals(storeRevision(), first.getRevision());
    }

    @Test
    void afterPruningAGatewayTooFarBehindGetsAFullSnapshot() throws Exception {
        createPolicy();
        long old = storeRevision();
        createPolicy();
        createPolicy();
        // Keep only the last revision (and nothing for its age): the changes after `old` are partly gone.
        int deleted = db.inTransaction(c -> changes.prune(c, 1, Duration.ZERO));
        assertTrue(deleted >= 2, "deleted " + deleted);
        WatchEvent first = next(watch(old));
        assertTrue(first.hasSnapshot(), "the log no longer holds revision " + (old + 1));
        assertEquals(storeRevision(), first.getRevision());

        // The last revision is still held: a gateway one behind still resumes.
        long current = storeRevision();
        BlockingQueue<Object> behind = watch(current - 1);
        assertTrue(next(behind).hasResumed());
        assertEquals(current, next(behind).getRevision());
    }
}
