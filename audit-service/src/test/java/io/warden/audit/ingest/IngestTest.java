package io.warden.audit.ingest;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.produceRaw;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Decision events through the real topic into the real database, read back over the API. */
@QuarkusTest
class IngestTest {

    @Inject
    MeterRegistry registry;

    /** The consumer has joined its group and stored something: what follows measures ingest, not start-up. */
    @BeforeEach
    void warmUp() {
        String server = unique("warm");
        DecisionEvent warm = event(server, "warm").build();
        produce(warm);
        await().atMost(Duration.ofSeconds(60)).until(() -> api().get("/api/decisions/" + warm.id()).statusCode() == 200);
    }

    @Test
    void producedEventIsServedWithEveryFieldWithinTwoSeconds() {
        String server = unique("srv");
        DecisionEvent denied = event(server, "laptop")
                .tool("delete_file")
                .outcome(DecisionEvent.Outcome.DENIED, "/tools/delete_file", "deleting is not allowed")
                .shadow("/tools/delete_file/deny_if/0", "would deny")
                .argumentSummary(List.of("path", "force"), "hmac-sha256:" + "ab".repeat(32), "0a1b2c3d")
                .upstream(200, 3400)
                .gatewayMicros(210)
                .flag("limiter_open")
                .build();
        produce(denied);

        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> api().get("/api/decisions/" + denied.id()).statusCode() == 200);
        api().get("/api/decisions/" + denied.id()).then().statusCode(200)
                .body("schema_version", equalTo(DecisionEvent.SCHEMA_VERSION))
                .body("id", equalTo(denied.id()))
                .body("time", equalTo(denied.time()))
                .body("gateway_id", equalTo("gw-test"))
                .body("server_id", equalTo(server))
                .body("grant_id", equalTo("laptop"))
                .body("era", equalTo("modern"))
                .body("protocol_version", equalTo("2025-11-25"))
                .body("method", equalTo("tools/call"))
                .body("tool", equalTo("delete_file"))
                .body("outcome", equalTo("denied"))
                .body("rule", equalTo("/tools/delete_file"))
                .body("message", equalTo("deleting is not allowed"))
                .body("shadow[0].rule", equalTo("/tools/delete_file/deny_if/0"))
                .body("shadow[0].message", equalTo("would deny"))
                .body("policy_id", equalTo("read-only"))
                .body("policy_version", equalTo("3"))
                .body("argument_keys", contains("force", "path"))
                .body("argument_digest", equalTo("hmac-sha256:" + "ab".repeat(32)))
                .body("argument_digest_key", equalTo("0a1b2c3d"))
                .body("arguments", nullValue())
                .body("redacted", contains("arguments"))
                .body("upstream_status", equalTo(200))
                .body("gateway_micros", equalTo(210))
                .body("upstream_micros", equalTo(3400))
                .body("flags", contains("limiter_open"));
        api().queryParam("server", server).get("/api/decisions").then().statusCode(200)
                .body("items.id", contains(denied.id()));
    }

    @Test
    void propertiesAddedToTheContractLaterAreStoredAndServed() {
        String server = unique("srv");
        DecisionEvent event = event(server, "g").build();
        String withExtra = TestEvents.json(event).replaceFirst("\\{",
                "{\"added_later\":42,\"completion_detail\":{\"refund\":true},");
        produceRaw(withExtra.getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> api().get("/api/decisions/" + event.id()).statusCode() == 200);
        api().get("/api/decisions/" + event.id()).then()
                .body("added_later", equalTo(42))
                .body("completion_detail.refund", equalTo(true))
                .body("server_id", equalTo(server));
    }

    @Test
    void theSameEventProducedTwiceIsStoredOnce() {
        String server = unique("srv");
        DecisionEvent event = event(server, "g").build();
        double duplicatesBefore = counter("warden.audit.duplicates");
        produce(event);
        await().atMost(Duration.ofSeconds(10)).until(() -> idsOf("server=" + server).size() == 1);

        produce(event); // a redelivery: same bytes
        produce(event, event); // and twice in one batch
        DecisionEvent marker = event(server, "marker").build();
        produce(marker); // same partition? keyed by grant, so not necessarily: wait for the duplicates count too
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("warden.audit.duplicates") - duplicatesBefore >= 3
                && idsOf("server=" + server).contains(marker.id()));

        List<String> ids = idsOf("server=" + server);
        assertEquals(2, ids.size(), "the event once and the marker: " + ids);
        assertEquals(1, ids.stream().filter(event.id()::equals).count());
        assertEquals(3.0, counter("warden.audit.duplicates") - duplicatesBefore);
    }

    @Test
    void recordsThatAreNotDecisionsGoToTheDeadLetterTopicAndIngestGoesOn() {
        String server = unique("srv");
        String marker = UUID.randomUUID().toString();
        byte[] notJson = ("not json " + marker).getBytes(StandardCharsets.UTF_8);
        byte[] notAnEvent = ("{\"schema_version\":1,\"marker\":\"" + marker + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] futureVersion = ("{\"schema_version\":99,\"marker\":\"" + marker + "\"}").getBytes(StandardCharsets.UTF_8);
        // valid JSON and a valid event, but PostgreSQL refuses \u0000 in jsonb and text: found and set aside alone
        DecisionEvent unstorable = event(server, "g").outcome(DecisionEvent.Outcome.DENIED, "/x", "nul\u0000" + marker)
                .build();
        DecisionEvent after = event(server, "g").build();
        double notJsonBefore = deadLetters("not_json");
        double invalidBefore = deadLetters("invalid_event");
        double versionBefore = deadLetters("unsupported_schema_version");
        double unstorableBefore = deadLetters("unstorable");

        produceRaw(notJson);
        produceRaw(notAnEvent);
        produceRaw(futureVersion);
        produce(unstorable, after);

        await().atMost(Duration.ofSeconds(10)).until(() -> idsOf("server=" + server).contains(after.id()));
        assertEquals(List.of(after.id()), idsOf("server=" + server), "the unstorable event is not in the store");

        Map<String, ConsumerRecord<byte[], byte[]>> letters = new java.util.HashMap<>();
        try (KafkaConsumer<byte[], byte[]> dlq = dlqConsumer()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : dlq.poll(Duration.ofMillis(200))) {
                    String value = new String(record.value(), StandardCharsets.UTF_8);
                    if (value.contains(marker)) {
                        letters.put(header(record, "warden.dlq.cause"), record);
                    }
                }
                return letters.size() == 4;
            });
        }
        assertEquals("not json " + marker, new String(letters.get("not_json").value(), StandardCharsets.UTF_8));
        assertTrue(header(letters.get("invalid_event"), "warden.dlq.detail").contains("missing or invalid property"),
                header(letters.get("invalid_event"), "warden.dlq.detail"));
        assertTrue(letters.containsKey("unsupported_schema_version"));
        ConsumerRecord<byte[], byte[]> refused = letters.get("unstorable");
        assertEquals(TestEvents.json(unstorable), new String(refused.value(), StandardCharsets.UTF_8));
        assertEquals(TestEvents.TOPIC, header(refused, "warden.dlq.topic"));
        assertTrue(header(refused, "warden.dlq.detail").contains("SQLSTATE"));
        Long.parseLong(header(refused, "warden.dlq.offset"));

        assertEquals(1.0, deadLetters("not_json") - notJsonBefore);
        assertEquals(1.0, deadLetters("invalid_event") - invalidBefore);
        assertEquals(1.0, deadLetters("unsupported_schema_version") - versionBefore);
        assertEquals(1.0, deadLetters("unstorable") - unstorableBefore);
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private double deadLetters(String cause) {
        return registry.get("warden.audit.dead_letters").tag("cause", cause).counter().count();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static KafkaConsumer<byte[], byte[]> dlqConsumer() {
        Properties props = new Properties();
        props.put("bootstrap.servers", TestEvents.bootstrapServers());
        props.put("group.id", "dlq-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(TestEvents.DLQ));
        return consumer;
    }
}
