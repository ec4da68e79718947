package io.warden.gateway.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.bridge.ProbeAnswers.Kind;
import org.junit.jupiter.api.Test;

class ProbeAnswersTest {

    private static final String JSON = "application/json";

    @Test
    void aDiscoverResultMeansModern() {
        ProbeAnswers.Answer a = ProbeAnswers.discover(200, JSON,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{}}}");
        assertEquals(Kind.YES, a.kind());
        assertEquals("2026-07-28", a.result().path("supportedVersions").path(0).asText());
    }

    @Test
    void aModernErrorOn4xxMeansModernWithoutAResult() {
        ProbeAnswers.Answer a = ProbeAnswers.discover(400, JSON,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32022,\"message\":\"Unsupported\",\"data\":{\"supported\":[\"2027-01-01\"]}}}");
        assertEquals(Kind.YES, a.kind());
        assertNull(a.result());
    }

    @Test
    void anyOther4xxMeansNotModernEvenWhenEmpty() {
        assertEquals(Kind.NO, ProbeAnswers.discover(400, JSON,
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"Bad Request: Server not initialized\"}}").kind());
        assertEquals(Kind.NO, ProbeAnswers.discover(404, null, "").kind());
        assertEquals(Kind.NO, ProbeAnswers.discover(405, "text/plain", "no").kind());
        // A legacy server answering in-band: method not found on 200.
        assertEquals(Kind.NO, ProbeAnswers.discover(200, JSON,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}").kind());
    }

    @Test
    void failuresAndGarbageAreInconclusive() {
        assertEquals(Kind.INCONCLUSIVE, ProbeAnswers.discover(502, JSON, "").kind());
        assertEquals(Kind.INCONCLUSIVE, ProbeAnswers.discover(200, JSON, "<html>oops</html>").kind());
        assertEquals(Kind.INCONCLUSIVE, ProbeAnswers.initialize(500, JSON, "").kind());
        assertEquals(Kind.INCONCLUSIVE, ProbeAnswers.initialize(200, JSON, "{\"jsonrpc\":").kind());
    }

    @Test
    void anInitializeResultOverSseMeansLegacy() {
        String sse = "id: s_1\nretry: 200\ndata: \n\nevent: message\nid: s_2\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"p\","
                + "\"result\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"serverInfo\":{\"name\":\"s\",\"version\":\"1\"}}}\n\n";
        ProbeAnswers.Answer a = ProbeAnswers.initialize(200, "text/event-stream", sse);
        assertTrue(a.yes());
        assertEquals("s", a.result().path("serverInfo").path("name").asText());
    }

    @Test
    void aRefusedInitializeMeansNotLegacy() {
        assertEquals(Kind.NO, ProbeAnswers.initialize(400, JSON,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32022,\"message\":\"Unsupported protocol version\"}}").kind());
        assertEquals(Kind.NO, ProbeAnswers.initialize(404, null, "").kind());
    }

    @Test
    void theOldTransportIsRecognisedByItsEndpointEvent() {
        assertTrue(ProbeAnswers.endpointEvent("event: endpoint\ndata: /messages?sessionId=1\n\n"));
        assertTrue(ProbeAnswers.endpointEvent(": hi\r\nevent:endpoint\r\n"));
        assertFalse(ProbeAnswers.endpointEvent("event: message\ndata: {}\n\n"));
        assertFalse(ProbeAnswers.endpointEvent(null));
    }
}
