package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.GrantTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Requests refused before authentication are audited too (outcome {@code unauthenticated}, grant {@code (none)}), and
 * whatever token they carried never reaches the decision log: not a forged one, not a real one sent to another server.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class UnauthenticatedAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Optional<JsonNode> find(String requestId) throws IOException {
        if (!Files.exists(GatewayTestBed.decisions)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(GatewayTestBed.decisions)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("request_id").asText().equals(requestId) && e.path("outcome").asText().equals("unauthenticated")) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static JsonNode audited(String requestId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> find(requestId), Optional::isPresent).get();
    }

    @Test
    void missingForgedAndMisdirectedTokensAreAuditedWithoutTheirToken() throws IOException {
        String forged = GrantTokens.mint();
        Mcp.client(null).body(Mcp.legacyCall(9101, "echo", "{}")).post("/mcp/fixture").then().statusCode(401);
        Mcp.client(forged).body(Mcp.legacyCall(9102, "echo", "{}")).post("/mcp/fixture").then().statusCode(401);
        Mcp.client(GatewayTestBed.OTHER_SERVER_TOKEN).body(Mcp.legacyCall(9103, "echo", "{}")).post("/mcp/fixture")
                .then().statusCode(403);

        List<JsonNode> events = new ArrayList<>();
        for (String[] expected : new String[][] {{"9101", "(no token)"}, {"9102", "(unknown token)"},
                {"9103", "(wrong server)"}}) {
            JsonNode e = audited(expected[0]);
            events.add(e);
            assertEquals(expected[1], e.path("rule").asText(), e.toString());
            assertEquals("(none)", e.path("grant_id").asText());
            assertTrue(e.path("grant_label").isNull());
            assertEquals("fixture", e.path("server_id").asText());
            assertEquals("tools/call", e.path("method").asText());
            assertEquals("decision", e.path("kind").asText());
            assertTrue(e.path("sequence").asLong() > 0, e.toString());
            assertNull(e.path("upstream_status").numberValue(), "nothing went upstream");
        }
        String all = events.toString();
        String log = Files.readString(GatewayTestBed.decisions);
        for (String token : List.of(forged, GatewayTestBed.OTHER_SERVER_TOKEN)) {
            assertFalse(log.contains(token), "no grant token in the decision log");
            assertFalse(log.contains(GrantTokens.hash(token)), "not even its hash");
            assertFalse(all.contains(token.substring(0, 12)), "nor a piece of it");
        }
    }
}
