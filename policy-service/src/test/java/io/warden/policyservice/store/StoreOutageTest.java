package io.warden.policyservice.store;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import io.grpc.ManagedChannel;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.policyservice.testing.GatewayChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL away: 503 problem documents (never a 401 or a 500), and service as usual once it is back, the change
 * feed included.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class StoreOutageTest {
    PostgresServer postgres;

    @Test
    void anOutageIs503AndTheServiceRecovers() {
        String viewer = key("viewer"); // created while the database is up
        postgres.stop();
        try {
            admin().get("/api/servers").then().statusCode(503).contentType("application/problem+json")
                    .body("type", equalTo("urn:warden:problem:unavailable"));
            as(viewer).get("/api/servers").then().statusCode(503); // the key lookup failed: not "unknown key"
            admin().body(Map.of("id", unique("out"), "name", "N", "url", "http://127.0.0.1:9/mcp"))
                    .post("/api/servers").then().statusCode(503);
        } finally {
            postgres.start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> as(viewer).get("/api/servers").statusCode() == 200);
        // the change feed listens again: a change made now reaches a new stream
        ManagedChannel channel = GatewayChannel.open(GatewayChannel.KEY);
        try {
            Iterator<WatchEvent> stream = SnapshotServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS).watch(WatchRequest.newBuilder().build());
            long revision = stream.next().getRevision();
            String id = unique("back");
            admin().body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp")).post("/api/servers")
                    .then().statusCode(201);
            WatchEvent change = stream.next();
            assertEquals(revision + 1, change.getRevision());
            assertEquals(id, change.getChange().getServer().getId());
        } finally {
            channel.shutdownNow();
        }
    }
}
