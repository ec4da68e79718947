package io.warden.testsupport.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The deprecated HTTP+SSE transport (2024-11-05) of the fixture: GET /sse, endpoint event, POSTed messages. */
class FixtureHttpSseTransportIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void handshakeAndToolCallOverTheOldTransport() throws Exception {
        try (NodeMcpServer fixture = NodeMcpServer.fixture()) {
            HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(URI.create(fixture.sseUrl()))
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, stream.statusCode());
            Iterator<String> lines = stream.body().iterator();

            String[] first = nextEvent(lines);
            assertEquals("endpoint", first[0]);
            URI messages = URI.create(fixture.baseUrl()).resolve(first[1]);

            post(messages, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2024-11-05\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
            JsonNode init = JSON.readTree(nextEvent(lines)[1]);
            assertEquals("warden-fixture", init.path("result").path("serverInfo").path("name").asText());

            post(messages, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            post(messages, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                    + "\"arguments\":{\"message\":\"old transport\"}}}");
            JsonNode call = JSON.readTree(nextEvent(lines)[1]);
            assertEquals(2, call.path("id").asInt());
            assertEquals("old transport", call.path("result").path("content").path(0).path("text").asText());
            assertEquals(1, fixture.callCount("echo"));
            stream.body().close();
        }
    }

    private void post(URI uri, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    /** Reads one SSE event: {event name, data}. */
    private static String[] nextEvent(Iterator<String> lines) {
        String event = "message";
        StringBuilder data = new StringBuilder();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            } else if (line.isEmpty() && data.length() > 0) {
                return new String[] {event, data.toString()};
            }
        }
        assertTrue(false, "SSE stream ended");
        return null;
    }
}
