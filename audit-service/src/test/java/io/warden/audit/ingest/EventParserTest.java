package io.warden.audit.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import io.warden.audit.store.StoredDecision;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventParserTest {

    private final EventParser parser = new EventParser(new ObjectMapper());

    private EventParser.Result parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aGatewayEventParsesWithWardenApisOwnType() {
        DecisionEvent event = TestEvents.event("srv", "g").time(Instant.parse("2026-12-03T08:00:00.5Z")).build();
        String json = TestEvents.json(event);
        StoredDecision stored = assertInstanceOf(EventParser.Parsed.class, parse(json)).decision();
        assertEquals(event, stored.event());
        assertEquals(UUID.fromString(event.id()), stored.id());
        assertEquals(Instant.parse("2026-12-03T08:00:00.5Z"), stored.time());
        assertEquals(json, stored.json());
    }

    @Test
    void unknownPropertiesAreIgnoredForParsingAndKeptInTheStoredJson() {
        String json = TestEvents.json(TestEvents.event("srv", "g").build()).replaceFirst("\\{", "{\"sequence\":7,");
        StoredDecision stored = assertInstanceOf(EventParser.Parsed.class, parse(json)).decision();
        assertTrue(stored.json().contains("\"sequence\":7"));
    }

    @Test
    void aVersionOneEventIsStoredWithItsOutcomeInVersionTwoSpelling() {
        String v2 = TestEvents.json(TestEvents.event("srv", "g").build());
        String v1 = v2.replace("\"schema_version\":2", "\"schema_version\":1").replace("\"outcome\":\"allowed\"",
                "\"outcome\":\"allow\"");
        StoredDecision stored = assertInstanceOf(EventParser.Parsed.class, parse(v1)).decision();
        assertEquals(io.warden.api.DecisionEvent.Outcome.ALLOWED, stored.event().outcome());
        assertTrue(stored.json().contains("\"outcome\":\"allowed\""), stored.json());
        assertTrue(stored.json().contains("\"schema_version\":1"), "the version it was written in stays");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "''                                   | NOT_JSON",
            "not json                             | NOT_JSON",
            "{\"a\":                              | NOT_JSON",
            "[1,2]                                | INVALID_EVENT",
            "\"text\"                             | INVALID_EVENT",
            "{}                                   | UNSUPPORTED_SCHEMA_VERSION",
            "{\"schema_version\":3}               | UNSUPPORTED_SCHEMA_VERSION",
            "{\"schema_version\":2}               | INVALID_EVENT",
            "{\"schema_version\":\"1\"}           | UNSUPPORTED_SCHEMA_VERSION",
            "{\"schema_version\":1}               | INVALID_EVENT",
    })
    void recordsThatAreNotDecisionsAreRejectedWithACause(String value, EventParser.Cause cause) {
        EventParser.Rejected rejected = assertInstanceOf(EventParser.Rejected.class, parse(value));
        assertEquals(cause, rejected.cause());
    }

    @Test
    void rejectionsNameTheFieldButNeverQuoteTheRecord() {
        String valid = TestEvents.json(TestEvents.event("srv", "g").build());
        assertDetail(valid.replace("\"outcome\":\"allowed\"", "\"outcome\":\"secret-value-1\""), "outcome");
        assertDetail(valid.replace("\"grant_id\":\"g\"", "\"grant_id\":null"), "grantId");
        assertDetail(valid.replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"secret-value-1\""), "id is not a UUID");
        assertDetail(valid.replaceFirst("\"time\":\"[^\"]+\"", "\"time\":\"secret-value-1\""), "time");
        assertDetail(valid.replaceFirst("\"time\":\"[^\"]+\"", "\"time\":\"1969-12-31T23:59:59Z\""), "1970");
        assertDetail(valid.replace("\"gateway_micros\":150", "\"gateway_micros\":\"secret-value-1\""),
                "gateway_micros");
        assertDetail(valid + " {\"trailing\":\"secret-value-1\"}", "JSON");
    }

    private void assertDetail(String json, String mentions) {
        EventParser.Rejected rejected = assertInstanceOf(EventParser.Rejected.class, parse(json));
        assertTrue(rejected.detail().contains(mentions), rejected.detail());
        assertFalse(rejected.detail().contains("secret-value-1"), rejected.detail());
    }
}
