package io.warden.audit.ingest;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.distinct;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PostgreSQL stopped while events keep arriving, then started again: every event is stored exactly once. */
@QuarkusTest
class PostgresOutageTest {

    PostgresServer postgres; // injected by PostgresResource

    @Inject
    MeterRegistry registry;

    @Inject
    DecisionConsumer consumer;

    @AfterEach
    void databaseBack() {
        postgres.start(); // no-op when running
        consumer.start();
    }

    @Test
    void eventsArrivingWhileTheDatabaseIsDownAreStoredOnceItIsBack() {
        String server = unique("outage");
        List<DecisionEvent> before = events(server, 20);
        produce(before);
        await().atMost(Duration.ofSeconds(20)).until(() -> idsOf("server=" + server).size() == 20);
        double retriesBefore = retries();

        postgres.stop();
        List<DecisionEvent> during = events(server, 100);
        for (int i = 0; i < during.size(); i += 10) {
            produce(during.subList(i, i + 10)); // in ten bursts, as traffic would come
        }
        // the consumer tried, rolled back, and is waiting with the whole backlog uncommitted
        await().atMost(Duration.ofSeconds(20)).until(() -> retries() > retriesBefore
                && gauge("warden.audit.ingest_paused") == 1.0 && gauge("warden.audit.consumer_lag") >= 100);
        for (String path : List.of("/api/decisions", "/api/decisions/export", "/api/aggregates/grants")) {
            api().queryParam("server", server).get(path).then().statusCode(503)
                    .contentType("application/problem+json").body("status", equalTo(503));
        }

        postgres.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).size() >= 120);

        Set<String> expected = new HashSet<>();
        before.forEach(e -> expected.add(e.id()));
        during.forEach(e -> expected.add(e.id()));
        List<String> stored = idsOf("server=" + server);
        assertEquals(expected, distinct(stored), "every event exactly once");
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("warden.audit.ingest_paused") == 0.0
                && gauge("warden.audit.consumer_lag") == 0.0);
    }

    @Test
    void aConsumerRestartedWhileTheDatabaseIsDownLosesNothing() {
        // offsets of the failed batches must not have been committed: the new consumer starts from them
        String server = unique("outage-restart");
        double retriesBefore = retries();
        postgres.stop();
        List<DecisionEvent> during = events(server, 60);
        produce(during);
        await().atMost(Duration.ofSeconds(20)).until(() -> retries() > retriesBefore);
        consumer.stop();
        consumer.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> retries() > retriesBefore + 1);
        postgres.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).size() >= 60);
        Set<String> expected = new HashSet<>();
        during.forEach(e -> expected.add(e.id()));
        assertEquals(expected, distinct(idsOf("server=" + server)));
    }

    private static List<DecisionEvent> events(String server, int count) {
        List<DecisionEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(event(server, "grant-" + (i % 3)).build());
        }
        return events;
    }

    private double retries() {
        return registry.find("warden.audit.ingest_retries").tag("cause", "database").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
