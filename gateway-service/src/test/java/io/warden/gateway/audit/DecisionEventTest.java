package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.api.DecisionEvent.Era;
import io.warden.api.DecisionEvent.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The event type in warden-api and its published JSON Schema, kept in step by this test. */
class DecisionEventTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode schema() throws IOException {
        try (InputStream in = DecisionEvent.class.getResourceAsStream("/decision-event.schema.json")) {
            assertNotNull(in, "decision-event.schema.json is packaged with warden-api");
            return MAPPER.readTree(in);
        }
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.properties().forEach(p -> names.add(p.getKey()));
        return names;
    }

    @Test
    void schemaDescribesExactlyTheSerialisedProperties() throws IOException {
        JsonNode schema = schema();
        JsonNode event = MAPPER.valueToTree(TestEvents.deniedCall().build());

        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").textValue());
        assertEquals(names(event), names(schema.get("properties")));
        Set<String> required = new TreeSet<>();
        schema.get("required").forEach(n -> required.add(n.textValue()));
        assertEquals(names(event), required, "every property is always written, null when absent");
        assertEquals(DecisionEvent.SCHEMA_VERSION, schema.get("properties").get("schema_version").get("const").intValue());
    }

    @Test
    void schemaEnumsMatchTheJavaEnums() throws IOException {
        JsonNode properties = schema().get("properties");

        assertEquals(Arrays.stream(Era.values()).map(Era::wire).toList(), texts(properties.get("era").get("enum")));
        assertEquals(Arrays.stream(Outcome.values()).map(Outcome::wire).toList(), texts(properties.get("outcome").get("enum")));
        assertEquals(DecisionEvent.Refund.REASONS, texts(properties.get("refund").get("properties").get("reason").get("enum")));
        assertEquals(Arrays.stream(io.warden.gateway.ratelimit.RefundRule.Reason.values())
                .map(io.warden.gateway.ratelimit.RefundRule.Reason::wire).toList(), DecisionEvent.Refund.REASONS);
    }

    @Test
    void refundIsAnObjectWithReasonAndCodeOrNull() throws IOException {
        JsonNode refund = schema().get("properties").get("refund");
        JsonNode refunded = MAPPER.valueToTree(TestEvents.deniedCall().refund(new DecisionEvent.Refund("http_status", 404)).build());
        JsonNode kept = MAPPER.valueToTree(TestEvents.deniedCall().build());

        assertEquals("http_status", refunded.get("refund").get("reason").textValue());
        assertEquals(404, refunded.get("refund").get("code").intValue());
        assertEquals(names(refund.get("properties")), names(refunded.get("refund")));
        assertTrue(kept.get("refund").isNull(), "written as null when the tokens were kept");
        assertThrows(NullPointerException.class, () -> new DecisionEvent.Refund(null, null));
    }

    @Test
    void fullAndMinimalEventsHaveTheTypesTheSchemaDeclares() throws IOException {
        JsonNode properties = schema().get("properties");
        DecisionEvent full = TestEvents.deniedCall().arguments(Map.of("owner", "acme")).upstream(200, 1_500)
                .refund(new DecisionEvent.Refund("jsonrpc_error", -32602)).build();

        for (DecisionEvent event : List.of(full, TestEvents.minimal(3))) {
            JsonNode json = MAPPER.valueToTree(event);
            json.properties().forEach(field -> {
                JsonNode type = properties.get(field.getKey()).get("type");
                if (type != null) {
                    List<String> allowed = type.isArray() ? texts(type) : List.of(type.textValue());
                    assertTrue(allowed.contains(jsonType(field.getValue())),
                            field.getKey() + " is " + jsonType(field.getValue()) + ", schema allows " + allowed);
                }
            });
            String digest = json.get("argument_digest").textValue();
            assertTrue(digest == null || digest.matches(properties.get("argument_digest").get("pattern").textValue()));
            String key = json.get("argument_digest_key").textValue();
            assertEquals(digest == null, key == null, "a key id exactly when there is a digest");
            assertTrue(key == null || key.matches(properties.get("argument_digest_key").get("pattern").textValue()));
        }
    }

    @Test
    void builderFillsIdTimeAndVersionAndSortsArgumentKeys() {
        DecisionEvent event = TestEvents.deniedCall().build();

        assertEquals(DecisionEvent.SCHEMA_VERSION, event.schemaVersion());
        assertEquals(event.id(), UUID.fromString(event.id()).toString());
        assertNotEquals(event.id(), TestEvents.deniedCall().build().id());
        assertEquals("2026-08-01T10:00:00.123456Z", event.time());
        assertEquals(List.of("owner", "repo"), event.argumentKeys());
        assertEquals(List.of(new DecisionEvent.ShadowFinding("/all_tools/limits/calls-per-minute",
                "would exceed 60 calls per minute")), event.shadow());
        assertNull(event.upstreamStatus());
        assertNull(event.upstreamMicros());
        assertEquals("2026-08-01T10:00:00.123456Z",
                TestEvents.deniedCall().time(java.time.Instant.parse("2026-08-01T10:00:00.123456789Z")).build().time(),
                "kept to the microsecond");
    }

    @Test
    void timeIsWrittenExactlyAsIsoInstantWritesIt() {
        java.util.List<java.time.Instant> instants = new java.util.ArrayList<>(java.util.List.of(
                java.time.Instant.parse("2026-08-01T10:00:00Z"), java.time.Instant.parse("2026-08-01T10:00:00.000001Z"),
                java.time.Instant.parse("2026-08-01T10:00:00.120Z"), java.time.Instant.parse("2026-08-01T10:00:00.000999999Z"),
                java.time.Instant.parse("2026-08-01T10:00:59.999999999Z"), java.time.Instant.parse("1970-01-01T00:00:00Z"),
                java.time.Instant.parse("1969-12-31T23:59:59.5Z"), java.time.Instant.parse("9999-12-31T23:59:59.999999Z"),
                java.time.Instant.parse("+10000-01-01T00:00:00.000001Z"), java.time.Instant.parse("0999-03-04T05:06:07.080Z")));
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            long second = random.nextInt(4) == 0 ? random.nextLong() % 400_000_000_000L : 1_700_000_000L + random.nextInt(100_000_000);
            int nanos = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(java.time.Instant.ofEpochSecond(second, nanos));
            instants.add(java.time.Instant.ofEpochSecond(second, nanos)); // the same second twice: the cached date
        }
        for (java.time.Instant t : instants) {
            assertEquals(java.time.format.DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(java.time.temporal.ChronoUnit.MICROS)),
                    TestEvents.deniedCall().time(t).build().time(), t::toString);
        }
    }

    @Test
    void withheldArgumentsAreRecordedAsRedacted() {
        DecisionEvent withheld = TestEvents.deniedCall().build();
        DecisionEvent snapshot = TestEvents.deniedCall().arguments(Map.of("owner", "acme", "repo", "x")).build();
        DecisionEvent noArguments = TestEvents.minimal(1);

        assertEquals(List.of(DecisionEvent.ARGUMENTS), withheld.redacted());
        assertEquals(List.of(), snapshot.redacted());
        assertEquals(List.of(), noArguments.redacted());
        DecisionEvent shed = snapshot.withoutArguments();
        assertNull(shed.arguments());
        assertEquals(List.of(DecisionEvent.ARGUMENTS), shed.redacted());
        assertEquals(snapshot.id(), shed.id());
        assertSame(withheld, withheld.withoutArguments());
    }

    @Test
    void eventsAreImmutable() {
        List<String> flags = new ArrayList<>(List.of("a"));
        DecisionEvent event = new DecisionEvent(2, DecisionEvent.Kind.DECISION, "id", "t", "g", "g/1", 1L, null, "s", "gr", null, Era.MODERN, "2026-07-28", "tools/list", null,
                Outcome.ALLOWED, null, null, null, null, null, null, null, null, null, null, null, 0, null, flags, null);
        flags.add("b");

        assertEquals(List.of("a"), event.flags());
        assertEquals(List.of(), event.shadow());
        assertThrows(UnsupportedOperationException.class, () -> event.flags().add("c"));
    }

    @Test
    void missingRequiredFieldIsNamed() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> DecisionEvent.builder().gatewayId("g").serverId("s").grantId("x").era(Era.LEGACY)
                        .protocolVersion("2025-06-18").outcome(Outcome.ALLOWED, null, null).build());
        assertEquals("method", e.getMessage());
    }

    @Test
    void aVersionOneEventReadsAsADecisionWithItsOutcomesMapped() throws IOException {
        String v1 = """
                {"schema_version":1,"id":"7d0c9f7e-3a51-4a6f-9f43-2a4f0a7f0c11","time":"2026-08-01T10:00:00Z",
                 "gateway_id":"gw","server_id":"s","grant_id":"g","era":"legacy","protocol_version":"2025-06-18",
                 "method":"tools/call","tool":"t","outcome":"%s","rule":null,"message":null,"shadow":[],"policy_id":null,
                 "policy_version":null,"argument_keys":[],"argument_digest":null,"argument_digest_key":null,
                 "arguments":null,"redacted":[],"upstream_status":null,"gateway_micros":3,"upstream_micros":null,
                 "flags":[],"refund":null}""";
        Map<String, Outcome> mapped = Map.of("allow", Outcome.ALLOWED, "deny", Outcome.DENIED, "hidden", Outcome.HIDDEN,
                "approval_required", Outcome.APPROVAL_REQUIRED, "error", Outcome.UPSTREAM_ERROR);
        for (Map.Entry<String, Outcome> e : mapped.entrySet()) {
            DecisionEvent read = MAPPER.readValue(v1.formatted(e.getKey()), DecisionEvent.class);
            assertEquals(e.getValue(), read.outcome(), e.getKey());
            assertEquals(DecisionEvent.Kind.DECISION, read.kind());
            assertNull(read.sequence());
            assertNull(read.instance());
        }
        assertThrows(IOException.class, () -> MAPPER.readValue(v1.formatted("maybe"), DecisionEvent.class));
    }

    @Test
    void theHeartbeatSchemaDescribesExactlyItsProperties() throws IOException {
        JsonNode schema;
        try (InputStream in = DecisionEvent.class.getResourceAsStream("/gateway-heartbeat.schema.json")) {
            assertNotNull(in, "gateway-heartbeat.schema.json is packaged with warden-api");
            schema = MAPPER.readTree(in);
        }
        io.warden.api.GatewayHeartbeat beat = io.warden.api.GatewayHeartbeat.of(TestEvents.TIME, "gw", "gw/1", 12,
                Map.of("queue_full", 3L), false);
        JsonNode json = MAPPER.valueToTree(beat);
        assertEquals(names(json), names(schema.get("properties")));
        Set<String> required = new TreeSet<>();
        schema.get("required").forEach(n -> required.add(n.textValue()));
        assertEquals(names(json), required);
        assertEquals("heartbeat", json.get("kind").textValue());
        assertEquals(3, json.get("dropped").get("queue_full").intValue());
        for (DropCause cause : DropCause.values()) {
            assertTrue(schema.get("properties").get("dropped").get("description").textValue().contains(cause.tag()),
                    "the schema names drop cause " + cause.tag());
        }
        assertThrows(IllegalArgumentException.class, () -> io.warden.api.GatewayHeartbeat.of(TestEvents.TIME, "gw", "i",
                -1, Map.of(), false));
        assertThrows(IllegalArgumentException.class, () -> io.warden.api.GatewayHeartbeat.of(TestEvents.TIME, "gw", "i",
                1, Map.of("x", -2L), false));
    }

    @Test
    void requestIdsAreCutToABoundedLength() {
        DecisionEvent e = TestEvents.deniedCall().requestId("x".repeat(10_000)).build();
        assertEquals(DecisionEvent.MAX_REQUEST_ID_CHARS, e.requestId().length());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    private static String jsonType(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> node.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            default -> "null";
        };
    }
}
