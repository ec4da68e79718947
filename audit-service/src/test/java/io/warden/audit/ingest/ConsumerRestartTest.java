package io.warden.audit.ingest;

import static io.warden.audit.TestEvents.distinct;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer stopped and started again mid-stream: nothing lost, nothing twice. */
@QuarkusTest
class ConsumerRestartTest {

    @Inject
    DecisionConsumer consumer;

    @Inject
    MeterRegistry registry;

    @AfterEach
    void running() {
        consumer.start();
    }

    @Test
    void restartedWhileEventsStreamInLosesNothingAndStoresNothingTwice() throws Exception {
        String server = unique("restart");
        List<DecisionEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(event(server, "grant-" + (i % 5)).build());
        }
        // Half the stream goes in while the consumer runs, the other half while it is stopped: the restart falls
        // mid-stream by construction, whatever the fetch sizes and however loaded the machine.
        int half = events.size() / 2;
        for (int i = 0; i < half; i += 10) {
            produce(events.subList(i, i + 10));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !idsOf("server=" + server).isEmpty());
        consumer.stop(); // a batch may be stored and its offsets not yet committed
        int storedWhileStopped = idsOf("server=" + server).size();
        for (int i = half; i < events.size(); i += 10) {
            produce(events.subList(i, i + 10));
        }
        consumer.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).size() >= events.size());
        Set<String> expected = new HashSet<>();
        events.forEach(e -> expected.add(e.id()));
        assertEquals(expected, distinct(idsOf("server=" + server)));
        assertTrue(storedWhileStopped <= half, "nothing of the second half was stored before the restart: " + storedWhileStopped);
    }

    @Test
    void offsetsLostAfterTheDatabaseCommitRedeliverEventsThatAreNotStoredTwice() throws Exception {
        // The worst crash point: the batch is committed in PostgreSQL, its offsets are not committed in Kafka. Made
        // exact by rewinding the group's offsets while the consumer is stopped.
        String server = unique("redeliver");
        List<DecisionEvent> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            events.add(event(server, "g").build());
        }
        produce(events);
        await().atMost(Duration.ofSeconds(20)).until(() -> idsOf("server=" + server).size() == 50);
        consumer.stop();

        double duplicatesBefore = registry.get("warden.audit.duplicates").counter().count();
        long rewound;
        try (Admin admin = Admin.create(adminProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("warden-audit")
                    .partitionsToOffsetAndMetadata().get();
            TopicPartition partition = new TopicPartition(TestEvents.TOPIC, 0);
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get().get(partition).offset();
            assertEquals(end, committed.get(partition).offset(), "all consumed and committed before the rewind");
            long back = Math.max(0, end - 50);
            admin.alterConsumerGroupOffsets("warden-audit", Map.of(partition, new OffsetAndMetadata(back))).all().get();
            rewound = end - back;
        }
        DecisionEvent marker = event(server, "marker").build();
        produce(marker);
        consumer.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> idsOf("server=" + server).contains(marker.id()));
        assertEquals(51, distinct(idsOf("server=" + server)).size());
        assertEquals((double) rewound, registry.get("warden.audit.duplicates").counter().count() - duplicatesBefore,
                "every redelivered event counted as a duplicate, none stored again");
    }

    private static Properties adminProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", TestEvents.bootstrapServers());
        return props;
    }
}
