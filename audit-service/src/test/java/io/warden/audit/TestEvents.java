package io.warden.audit;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.specification.RequestSpecification;
import io.warden.api.DecisionEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Decision events for tests: built with warden-api's builder, produced to the real topic, read back over the API. */
public final class TestEvents {

    public static final String TOPIC = "warden.decisions";
    public static final String DLQ = "warden.decisions.dlq";
    public static final String VIEWER_KEY = "test-viewer-key";
    public static final String POLICY_MANAGER_KEY = "test-policy-manager-key";
    public static final String ADMIN_KEY = "test-admin-key";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static KafkaProducer<byte[], byte[]> producer;

    private TestEvents() {
    }

    /** A unique name for one test's data, e.g. its server or grant id. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** An allowed tools/call of {@code echo} on {@code server} by {@code grant}, now. */
    public static DecisionEvent.Builder event(String server, String grant) {
        return DecisionEvent.builder()
                .gatewayId("gw-test")
                .serverId(server)
                .grantId(grant)
                .era(DecisionEvent.Era.MODERN)
                .protocolVersion("2025-11-25")
                .method("tools/call")
                .tool("echo")
                .outcome(DecisionEvent.Outcome.ALLOWED, null, null)
                .policy("read-only", "3")
                .gatewayMicros(150)
                .time(Instant.now());
    }

    public static String json(DecisionEvent event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Produces the events (keyed by grant, as the gateway will) and waits for Kafka's acknowledgement. */
    public static void produce(List<DecisionEvent> events) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (DecisionEvent event : events) {
            acks.add(producer().send(new ProducerRecord<>(TOPIC, event.grantId().getBytes(StandardCharsets.UTF_8),
                    json(event).getBytes(StandardCharsets.UTF_8))));
        }
        acks.forEach(TestEvents::await);
    }

    public static void produce(DecisionEvent... events) {
        produce(List.of(events));
    }

    /** Produces any bytes as a record value. */
    public static void produceRaw(byte[] value) {
        await(producer().send(new ProducerRecord<>(TOPIC, value)));
    }

    private static void await(Future<RecordMetadata> ack) {
        try {
            ack.get();
        } catch (Exception e) {
            throw new IllegalStateException("Kafka did not acknowledge", e);
        }
    }

    public static synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put("bootstrap.servers", bootstrapServers());
            props.put("acks", "all");
            props.put("key.serializer", ByteArraySerializer.class.getName());
            props.put("value.serializer", ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    public static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("warden.test.kafka-bootstrap-servers", String.class);
    }

    /** A request with the viewer's API key. */
    public static RequestSpecification api() {
        return given().auth().oauth2(VIEWER_KEY);
    }

    /** Every decision id the listing returns for this (already URL-encoded) query string, walking all pages. */
    public static List<String> idsOf(String query) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            String url = "/api/decisions?limit=1000&" + query + (cursor == null ? "" : "&cursor=" + cursor);
            var body = api().urlEncodingEnabled(false).get(url).then().statusCode(200).extract().jsonPath();
            ids.addAll(body.getList("items.id", String.class));
            cursor = body.getString("next_cursor");
        } while (cursor != null);
        return ids;
    }

    /** The ids as a set, failing when any appears twice. */
    public static Set<String> distinct(List<String> ids) {
        Set<String> set = new HashSet<>(ids);
        if (set.size() != ids.size()) {
            throw new AssertionError((ids.size() - set.size()) + " duplicate id(s) in " + ids.size());
        }
        return set;
    }
}
