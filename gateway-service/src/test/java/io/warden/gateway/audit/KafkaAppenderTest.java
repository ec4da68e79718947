package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.kafka.KafkaBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka destination against a real broker (in process): keys, order, the spool while the broker is unreachable. */
class KafkaAppenderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static KafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.launch();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static DecisionEvent event(String grant, int n) {
        return DecisionEvent.builder().time(TestEvents.TIME).gatewayId("gw-1").serverId("github").grantId(grant)
                .era(DecisionEvent.Era.MODERN).protocolVersion("2026-07-28").method("tools/list")
                .outcome(DecisionEvent.Outcome.ALLOW, null, null).gatewayMicros(n).build();
    }

    private AsyncDecisionSink sink(String bootstrap, String topic, Duration ackTimeout) throws IOException {
        KafkaAppender kafka = KafkaAppender.open(bootstrap, topic, "test", dir.resolve("spool"), 1 << 20, ackTimeout,
                Duration.ofMillis(200));
        return new AsyncDecisionSink(kafka, 1_000, MAPPER, "kafka-test");
    }

    /** Everything on the topic until {@code expected} records arrived: key and gateway_micros (the event number). */
    private static List<ConsumerRecord<String, String>> consume(String topic, int expected) {
        Properties p = broker.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
            });
            // Nothing more than expected: wait a little for stragglers (duplicates would show up here).
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    private static Map<String, List<Integer>> numbersByKey(List<ConsumerRecord<String, String>> records) throws IOException {
        Map<String, List<Integer>> byKey = new TreeMap<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode json = MAPPER.readTree(r.value());
            assertEquals(r.key(), json.get("grant_id").asText(), "keyed by grant");
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(json.get("gateway_micros").asInt());
        }
        return byKey;
    }

    @Test
    void eventsArriveKeyedByGrantAndInOrder() throws IOException {
        String topic = "decisions-order";
        broker.createTopic(topic, 3);
        try (AsyncDecisionSink sink = sink(broker.bootstrapServers(), topic, Duration.ofSeconds(10))) {
            for (int n = 0; n < 300; n++) {
                sink.publish(event("grant-" + (n % 3), n));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sink.written() == 300);
            assertEquals(0, sink.dropped());
        }
        Map<String, List<Integer>> byKey = numbersByKey(consume(topic, 300));
        for (int g = 0; g < 3; g++) {
            List<Integer> expected = new ArrayList<>();
            for (int n = g; n < 300; n += 3) {
                expected.add(n);
            }
            assertEquals(expected, byKey.get("grant-" + g), "grant-" + g + "'s events, once each and in order");
        }
    }

    /**
     * Kafka unreachable: events wait in the spool on disk (nothing is dropped), survive the gateway's restart, and reach
     * the broker first, before newer events, once it is back.
     */
    @Test
    void anUnreachableBrokerSpoolsEventsThatArriveInOrderLater() throws IOException {
        String topic = "decisions-spool";
        broker.createTopic(topic, 1);
        String nowhere = "127.0.0.1:" + FreePorts.next();
        try (AsyncDecisionSink sink = sink(nowhere, topic, Duration.ofMillis(800))) {
            for (int n = 0; n < 50; n++) {
                sink.publish(event("g", n));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sink.written() == 50);
            assertEquals(0, sink.dropped(), "spooled, not dropped");
        }
        try (AsyncDecisionSink sink = sink(broker.bootstrapServers(), topic, Duration.ofSeconds(10))) {
            for (int n = 50; n < 60; n++) {
                sink.publish(event("g", n));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sink.written() == 10);
        }
        List<Integer> expected = new ArrayList<>();
        for (int n = 0; n < 60; n++) {
            expected.add(n);
        }
        assertEquals(expected, numbersByKey(consume(topic, 60)).get("g"), "the spool first, then the new events");
    }

    /** Past the spool's capacity events are dropped and counted under their own cause. */
    @Test
    void aFullSpoolDropsAndCounts() throws IOException {
        String nowhere = "127.0.0.1:" + FreePorts.next();
        KafkaAppender kafka = KafkaAppender.open(nowhere, "t", "test", dir.resolve("small"), 2_000, Duration.ofMillis(500),
                Duration.ofSeconds(60));
        try (AsyncDecisionSink sink = new AsyncDecisionSink(kafka, 1_000, MAPPER, "small")) {
            for (int n = 0; n < 100; n++) {
                sink.publish(event("g", n));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sink.written() + sink.dropped() == 100);
            assertTrue(sink.dropped(DropCause.SPOOL_FULL) > 0, "some did not fit");
            assertTrue(kafka.spooledBytes() <= 2_000 && kafka.spooledBytes() > 0, "the spool is bounded: " + kafka.spooledBytes());
            assertEquals(100, sink.written() + sink.dropped(DropCause.SPOOL_FULL), "every event written or counted");
        }
    }
}
