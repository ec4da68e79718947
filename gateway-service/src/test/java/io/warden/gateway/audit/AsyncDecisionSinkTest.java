package io.warden.gateway.audit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.warden.api.DecisionEvent;
import io.warden.api.DecisionEvent.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncDecisionSinkTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void writesOneSnakeCaseJsonObjectPerLine() throws IOException {
        Path file = dir.resolve("logs/decisions.jsonl");
        DecisionEvent denied = TestEvents.deniedCall().outcome(Outcome.DENIED, "(default deny)", "two\nlines").build();
        try (AsyncDecisionSink log = AsyncDecisionSink.toFile(file, 16, MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT))) {
            log.publish(denied);
            log.publish(TestEvents.minimal(1));
            log.publish(TestEvents.minimal(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 3);
        }

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size(), "indentation of the shared mapper is ignored");
        JsonNode first = MAPPER.readTree(lines.get(0));
        assertEquals(DecisionEvent.SCHEMA_VERSION, first.get("schema_version").intValue());
        assertEquals("gw-1", first.get("gateway_id").textValue());
        assertEquals("legacy", first.get("era").textValue());
        assertEquals("denied", first.get("outcome").textValue());
        assertEquals("two\nlines", first.get("message").textValue());
        assertEquals("[\"owner\",\"repo\"]", first.get("argument_keys").toString());
        assertEquals("[\"arguments\"]", first.get("redacted").toString());
        assertTrue(first.get("arguments").isNull());
        assertEquals(denied, MAPPER.readValue(lines.get(0), DecisionEvent.class), "reads back as the same event");
        assertEquals(2, MAPPER.readTree(lines.get(2)).get("gateway_micros").intValue(), "in publishing order");
    }

    @Test
    void heartbeatsReportTheSequenceAndDropsAndALastOneOnClose() throws IOException {
        Path file = dir.resolve("beats.jsonl");
        EventSequence sequence = new EventSequence("gw-1/beat");
        try (AsyncDecisionSink log = AsyncDecisionSink.toFile(file, 16, MAPPER)
                .heartbeats("gw-1", sequence, Duration.ofMillis(20), java.time.Clock.systemUTC())) {
            sequence.next();
            sequence.next();
            log.countDrop(DropCause.UNAUTHENTICATED_EXCESS);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(file).stream()
                    .anyMatch(l -> l.contains("\"sequence\":2")));
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        JsonNode last = MAPPER.readTree(lines.get(lines.size() - 1));
        assertEquals("heartbeat", last.get("kind").textValue());
        assertEquals("gw-1/beat", last.get("instance").textValue());
        assertEquals(2, last.get("sequence").intValue());
        assertEquals(1, last.get("dropped").get("unauthenticated_excess").intValue());
        assertTrue(last.get("last").booleanValue(), "the report written while closing says so");
        assertEquals(0, lines.stream().filter(l -> !l.contains("\"heartbeat\"")).count(), "heartbeats only, no events");
    }

    @Test
    void appendsToAnExistingFile() throws IOException {
        Path file = dir.resolve("decisions.jsonl");
        Files.writeString(file, "{\"earlier\":true}\n");
        try (AsyncDecisionSink log = AsyncDecisionSink.toFile(file, 4, MAPPER)) {
            log.publish(TestEvents.minimal(1));
        }

        assertEquals(2, Files.readAllLines(file).size());
    }

    @Test
    void closeWritesEverythingQueued() throws IOException {
        Path file = dir.resolve("decisions.jsonl");
        AsyncDecisionSink log = AsyncDecisionSink.toFile(file, 1_000, MAPPER);
        for (int i = 0; i < 1_000; i++) {
            log.publish(TestEvents.minimal(i));
        }
        log.close();

        assertEquals(1_000, log.written());
        assertEquals(0, log.dropped());
        assertEquals(1_000, Files.readAllLines(file).size());
    }

    @Test
    void eventsArrivingWhileTheWriterLingersShareOneBatchAndCloseCutsTheLingerShort() {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        AsyncDecisionSink.Appender counting = new AsyncDecisionSink.Appender() {
            @Override
            public void append(AsyncDecisionSink.Batch batch) {
                batchSizes.add(batch.size());
            }

            @Override
            public void close() {
            }
        };
        AsyncDecisionSink log = new AsyncDecisionSink(counting, 100, MAPPER, "lingering").linger(Duration.ofHours(1));
        log.publish(TestEvents.minimal(0)); // wakes the idle writer: written at once
        await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 1);
        for (int i = 1; i <= 5; i++) {
            log.publish(TestEvents.minimal(i)); // the writer lingers: nobody takes these yet
        }
        assertEquals(5, log.queued());

        assertTimeoutPreemptively(Duration.ofSeconds(10), log::close);
        assertEquals(List.of(1, 5), batchSizes);
        assertEquals(6, log.written());
    }

    @Test
    void negativeLingerIsRefused() {
        try (AsyncDecisionSink log = new AsyncDecisionSink(collecting(new ArrayList<>()), 10, MAPPER, "x")) {
            assertThrows(IllegalArgumentException.class, () -> log.linger(Duration.ofMillis(-1)));
        }
    }

    @Test
    void fullQueueDropsAndCountsInsteadOfBlocking() {
        HeldAppender held = new HeldAppender();
        try (AsyncDecisionSink log = new AsyncDecisionSink(held, 2, MAPPER, "held")) {
            log.publish(TestEvents.minimal(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> held.entered.get() == 1); // writer now stuck on event 0

            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                for (int i = 1; i <= 10; i++) {
                    log.publish(TestEvents.minimal(i));
                }
            });
            assertEquals(8, log.dropped(DropCause.QUEUE_FULL), "events 1 and 2 fit the queue, 3..10 do not");
            assertEquals(8, log.dropped());
            assertEquals(2, log.queued());

            held.release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 3);
            assertEquals(List.of(0, 1, 2), held.micros());
            assertEquals(8, log.dropped());
        }
    }

    @Test
    void writeErrorsAreCountedAndWritingResumes() {
        AtomicInteger failuresLeft = new AtomicInteger(1);
        CopyOnWriteArrayList<byte[]> out = new CopyOnWriteArrayList<>();
        AsyncDecisionSink.Appender flaky = new AsyncDecisionSink.Appender() {
            @Override
            public void append(AsyncDecisionSink.Batch batch) throws IOException {
                byte[] lines = batch.lines();
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IOException("No space left on device");
                }
                out.add(lines);
            }

            @Override
            public void close() {
            }
        };
        try (AsyncDecisionSink log = new AsyncDecisionSink(flaky, 8, MAPPER, "flaky")) {
            log.publish(TestEvents.minimal(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.dropped(DropCause.WRITE_ERROR) == 1);
            log.publish(TestEvents.minimal(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 1);
            assertEquals(1, log.dropped());
        }
    }

    @Test
    void oversizedArgumentsAreShedBeforeAnythingIsDropped() throws IOException {
        Path file = dir.resolve("decisions.jsonl");
        String huge = "x".repeat(AsyncDecisionSink.MAX_LINE_BYTES);
        try (AsyncDecisionSink log = AsyncDecisionSink.toFile(file, 4, MAPPER)) {
            log.publish(TestEvents.deniedCall().arguments(Map.of("body", huge)).build());
            log.publish(TestEvents.deniedCall().arguments(Map.of("body", "small")).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 2);
            assertEquals(1, log.degraded());
            assertEquals(0, log.dropped());
        }

        List<String> lines = Files.readAllLines(file);
        JsonNode shed = MAPPER.readTree(lines.get(0));
        assertTrue(shed.get("arguments").isNull());
        assertEquals("[\"arguments\"]", shed.get("redacted").toString());
        assertFalse(lines.get(0).contains("xxxx"));
        JsonNode kept = MAPPER.readTree(lines.get(1));
        assertEquals("small", kept.get("arguments").get("body").textValue());
        assertEquals("[]", kept.get("redacted").toString());
    }

    @Test
    void unserialisableArgumentsAreShed() {
        ObjectMapper mapper = MAPPER.copy().registerModule(new SimpleModule().addSerializer(Failing.class, failing()));
        CopyOnWriteArrayList<byte[]> out = new CopyOnWriteArrayList<>();
        try (AsyncDecisionSink log = new AsyncDecisionSink(collecting(out), 4, mapper, "collect")) {
            log.publish(TestEvents.deniedCall().arguments(new Failing()).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 1);
            assertEquals(1, log.degraded());
            assertEquals(0, log.dropped());
        }
        assertTrue(new String(out.get(0), StandardCharsets.UTF_8).contains("\"redacted\":[\"arguments\"]"));
    }

    @Test
    void linesAreExactlyWhatTheMapperWritesForEachEventAlone() throws IOException {
        ObjectMapper mapper = MAPPER.copy().registerModule(new SimpleModule().addSerializer(Failing.class, failing()));
        String huge = "x".repeat(AsyncDecisionSink.MAX_LINE_BYTES);
        List<DecisionEvent> events = List.of(TestEvents.minimal(1), TestEvents.deniedCall().build(),
                TestEvents.deniedCall().arguments(new Failing()).build(), // fails halfway, then shed
                TestEvents.deniedCall().arguments(Map.of("note", "caf\u00e9 \"quoted\"\n")).build(),
                TestEvents.deniedCall().arguments(Map.of("body", huge)).build(), // too long, then shed
                TestEvents.minimal(2));
        CopyOnWriteArrayList<byte[]> out = new CopyOnWriteArrayList<>();
        try (AsyncDecisionSink log = new AsyncDecisionSink(collecting(out), 16, mapper, "exact")) {
            events.forEach(log::publish);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == events.size());
            assertEquals(2, log.degraded());
        }
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < events.size(); i++) {
            DecisionEvent e = i == 2 || i == 4 ? events.get(i).withoutArguments() : events.get(i);
            expected.write(MAPPER.writer().writeValueAsBytes(e));
            expected.write('\n');
        }
        java.io.ByteArrayOutputStream actual = new java.io.ByteArrayOutputStream();
        for (byte[] batch : out) {
            actual.write(batch);
        }
        assertEquals(expected.toString(StandardCharsets.UTF_8), actual.toString(StandardCharsets.UTF_8));
    }

    @Test
    void eventsThatCannotBeSerialisedAreCountedAsEncodeErrors() {
        ObjectMapper mapper = MAPPER.copy().registerModule(new SimpleModule().addSerializer(DecisionEvent.class, failing()));
        try (AsyncDecisionSink log = new AsyncDecisionSink(collecting(new CopyOnWriteArrayList<>()), 4, mapper, "broken")) {
            log.publish(TestEvents.minimal(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.dropped(DropCause.ENCODE_ERROR) == 1);
            assertEquals(0, log.written());
        }
    }

    @Test
    void publishAfterCloseIsCountedAndNullIsIgnored() {
        AsyncDecisionSink log = new AsyncDecisionSink(collecting(new CopyOnWriteArrayList<>()), 4, MAPPER, "c");
        log.publish(null);
        log.close();
        log.close();
        log.publish(TestEvents.minimal(1));

        assertEquals(1, log.dropped(DropCause.CLOSED));
        assertEquals(0, log.written());
    }

    @Test
    void unopenableFileFailsAtConstruction() throws IOException {
        Path notAFile = Files.createDirectory(dir.resolve("a-directory"));

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AsyncDecisionSink.toFile(notAFile, 4, MAPPER));
        assertTrue(e.getMessage().contains("a-directory"), e.getMessage());
    }

    private static AsyncDecisionSink.Appender collecting(List<byte[]> out) {
        return new AsyncDecisionSink.Appender() {
            @Override
            public void append(AsyncDecisionSink.Batch batch) {
                byte[] lines = batch.lines();
                out.add(lines);
            }

            @Override
            public void close() {
            }
        };
    }

    private static <T> JsonSerializer<T> failing() {
        return new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                throw new IOException("cannot serialise");
            }
        };
    }

    /** Not serialisable by the test mapper. */
    static final class Failing {
    }

    /** Blocks every append until released, and keeps what it was given. */
    private static final class HeldAppender implements AsyncDecisionSink.Appender {
        final AtomicInteger entered = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        final CopyOnWriteArrayList<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void append(AsyncDecisionSink.Batch given) throws IOException {
            byte[] batch = given.lines();
            entered.incrementAndGet();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            lines.addAll(new String(batch, StandardCharsets.UTF_8).lines().toList());
        }

        List<Integer> micros() {
            return lines.stream().map(line -> {
                try {
                    return MAPPER.readTree(line).get("gateway_micros").intValue();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }

        @Override
        public void close() {
            release.countDown();
        }
    }
}
