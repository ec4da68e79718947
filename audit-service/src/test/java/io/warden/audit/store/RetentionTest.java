package io.warden.audit.store;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Daily partitions: created ahead, created on demand for late events, dropped past the retention (30 days). */
@QuarkusTest
class RetentionTest {

    PostgresServer postgres; // injected by PostgresResource

    @Inject
    PartitionMaintenance maintenance;

    @Inject
    DataSource dataSource;

    @Test
    void partitionsPastTheRetentionAreDroppedAndTheRestKept() throws Exception {
        Instant now = Instant.now();
        String server = unique("retention");
        DecisionEvent old = event(server, "g").time(now.minus(Duration.ofDays(40))).build();
        DecisionEvent recent = event(server, "g").time(now.minus(Duration.ofDays(29))).build();
        produce(old, recent);
        await().atMost(Duration.ofSeconds(60)).until(() -> api().get("/api/decisions/" + old.id()).statusCode() == 200
                && api().get("/api/decisions/" + recent.id()).statusCode() == 200);

        assertEquals(4, rollupRows(server), "both days counted in the rollups");

        List<String> dropped = maintenance.run(now);

        String oldPartition = Partitions.name(day(old));
        assertTrue(dropped.contains(oldPartition), dropped.toString());
        assertFalse(dropped.contains(Partitions.name(day(recent))), dropped.toString());
        api().get("/api/decisions/" + old.id()).then().statusCode(404);
        api().get("/api/decisions/" + recent.id()).then().statusCode(200);
        assertEquals(2, rollupRows(server), "the dropped day's rollups went with it, the kept day's stayed");
        try (Connection connection = dataSource.getConnection()) {
            List<String> existing = new Partitions().existing(connection);
            assertFalse(existing.contains(oldPartition));
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            for (int i = 0; i <= 3; i++) { // warden.audit.store.partitions-ahead=3
                assertTrue(existing.contains(Partitions.name(today.plusDays(i))), existing.toString());
            }
        }
    }

    private long rollupRows(String server) throws java.sql.SQLException {
        try (Connection connection = dataSource.getConnection();
             java.sql.PreparedStatement statement = connection.prepareStatement(
                     "SELECT (SELECT count(*) FROM decision_minutes WHERE server_id = ? AND n > 0)"
                             + " + (SELECT count(*) FROM decision_hours_grants WHERE server_id = ? AND n > 0)")) {
            statement.setString(1, server);
            statement.setString(2, server);
            try (java.sql.ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Test
    void aPartitionDroppedBehindTheServicesBackIsCreatedAgainOnTheNextInsert() {
        String server = unique("recreate");
        Instant when = Instant.now().minus(Duration.ofDays(12));
        DecisionEvent first = event(server, "g").time(when).build();
        produce(first);
        await().atMost(Duration.ofSeconds(60)).until(() -> api().get("/api/decisions/" + first.id()).statusCode() == 200);

        // as another pod's retention job would: the partition this pod believes in is gone
        postgres.psql("warden", "DROP TABLE " + Partitions.name(day(first)));
        DecisionEvent second = event(server, "g").time(when.plusSeconds(1)).build();
        produce(second);

        await().atMost(Duration.ofSeconds(20)).until(() -> api().get("/api/decisions/" + second.id()).statusCode() == 200);
        assertEquals(404, api().get("/api/decisions/" + first.id()).statusCode());
    }

    private static LocalDate day(DecisionEvent event) {
        return LocalDate.ofInstant(Instant.parse(event.time()), ZoneOffset.UTC);
    }
}
