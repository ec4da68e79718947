package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appender hands batches to the producer without waiting for their acknowledgements, and still spools, in order,
 * the first record not acknowledged and everything after it. The producer here is Kafka's own {@link MockProducer}, so
 * the test decides when (and whether) each record is acknowledged; {@code KafkaAppenderTest} covers a real broker.
 */
class KafkaAppenderPipelineTest {

    @TempDir
    Path dir;

    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());

    private KafkaAppender appender(Duration ackTimeout) throws IOException {
        return new KafkaAppender(producer, "t", DiskSpool.open(dir.resolve("spool"), 1 << 20), ackTimeout,
                Duration.ofHours(1), System::nanoTime);
    }

    private static AsyncDecisionSink.Batch batch(String... events) {
        AsyncDecisionSink.Batch b = new AsyncDecisionSink.Batch((cause, count) -> { });
        for (String e : events) {
            byte[] bytes = e.getBytes(StandardCharsets.UTF_8);
            b.lines.write(bytes, 0, bytes.length);
            b.add("g");
        }
        return b;
    }

    private List<String> spooled() throws IOException {
        try (DiskSpool spool = DiskSpool.open(dir.resolve("spool"), 1 << 20)) {
            List<String> out = new ArrayList<>();
            spool.peek(100_000).entries().forEach(e -> out.add(new String(e.event(), StandardCharsets.UTF_8)));
            return out;
        }
    }

    @Test
    void batchesAreHandedOverWithoutWaitingForTheBroker() throws IOException {
        KafkaAppender appender = appender(Duration.ofSeconds(30));
        appender.append(batch("1", "2", "3"));
        appender.append(batch("4"));
        assertEquals(4, producer.history().size(), "both batches with the producer, none acknowledged yet");
        assertEquals(4, appender.inFlightRecords());
        for (int i = 0; i < 4; i++) {
            producer.completeNext();
        }
        appender.idle();
        assertEquals(0, appender.inFlightRecords());
        assertFalse(appender.spooling());
        appender.close();
        assertEquals(List.of(), spooled());
    }

    @Test
    void aRecordNotAcknowledgedInTimeSpoolsItAndEverythingAfterInOrder() throws IOException {
        KafkaAppender appender = appender(Duration.ofMillis(200));
        appender.append(batch("1", "2"));
        appender.append(batch("3", "4"));
        producer.completeNext(); // "1" acknowledged; "2" never is
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            appender.idle();
            return appender.spooling();
        });
        appender.append(batch("5")); // behind the spooled ones
        assertEquals(4, producer.history().size(), "\"5\" went to the spool, not the producer");
        appender.close();
        assertEquals(List.of("2", "3", "4", "5"), spooled());
    }

    @Test
    void aFailedRecordSpoolsItAndEverythingAfterInOrder() throws IOException {
        KafkaAppender appender = appender(Duration.ofSeconds(30));
        appender.append(batch("1"));
        appender.append(batch("2", "3"));
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.NotEnoughReplicasException("test"));
        appender.append(batch("4"));
        assertTrue(appender.spooling());
        appender.close();
        assertEquals(List.of("2", "3", "4"), spooled());
    }

    @Test
    void theWriterWaitsOnceTooManyRecordsAreInFlight() throws IOException {
        KafkaAppender appender = appender(Duration.ofMillis(200));
        String[] many = new String[KafkaAppender.MAX_IN_FLIGHT_RECORDS + 1];
        java.util.Arrays.fill(many, "x");
        appender.append(batch(many)); // nothing acknowledges: the wait ends at the deadline, with everything spooled
        assertTrue(appender.spooling());
        assertEquals(0, appender.inFlightRecords());
        appender.close();
        assertEquals(many.length, spooled().size(), "all of them kept, in the spool");
    }

    @Test
    void producerSettingsKeepDurability() {
        var p = KafkaAppender.producerProperties("127.0.0.1:9", "c", Duration.ofSeconds(2));
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("true", p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("5", p.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION));
        assertEquals(String.valueOf(Integer.MAX_VALUE), p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        assertEquals(String.valueOf(KafkaAppender.LINGER_MS), p.get(ProducerConfig.LINGER_MS_CONFIG));
    }
}
