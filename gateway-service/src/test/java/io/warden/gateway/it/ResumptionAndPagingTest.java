package io.warden.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.mcp.RawMcpClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Legacy SSE resumption through the gateway, and tools/list paging that filtering never cuts short. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class ResumptionAndPagingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/mcp/fixture")
    URI endpoint;

    @Test
    void aStreamClosedMidCallIsResumedThroughTheGatewayWithLastEventId() {
        RawMcpClient client = new RawMcpClient(endpoint.toString()).header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN);
        client.initialize("2025-11-25");
        RawMcpClient.Exchange call = client.callTool("test_reconnection", Map.of());
        assertEquals(200, call.status());
        String lastEventId = call.lastEventId();
        assertNotNull(lastEventId, "event ids must survive the relay: " + call.body());
        // The upstream ended the stream on purpose (SEP-1699): the gateway must not answer in its place.
        assertFalse(call.body().contains("Upstream error"), call.body());
        long id = client.requestMessage("ping", null).get("id").asLong() - 1; // the call's id: the one before this
        List<JsonNode> replayed = client.resume(lastEventId, id, Duration.ofSeconds(15));
        JsonNode result = replayed.get(replayed.size() - 1);
        assertEquals("Reconnection test completed", result.at("/result/content/0/text").asText());
    }

    @Test
    void filteredPagesKeepTheirCursorsSoPagingNeverEndsEarly() {
        GatewayTestBed.fixture.toolsPageSize(2);
        try {
            RawMcpClient client = new RawMcpClient(endpoint.toString()).header("Authorization", "Bearer " + GatewayTestBed.STRICT_TOKEN);
            client.initialize("2025-11-25");
            List<String> seen = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            String cursor = null;
            do {
                ObjectNode params = JSON.createObjectNode();
                if (cursor != null) {
                    params.put("cursor", cursor);
                }
                JsonNode result = client.request("tools/list", params).result();
                result.get("tools").forEach(t -> seen.add(t.get("name").asText()));
                sizes.add(result.get("tools").size());
                cursor = result.hasNonNull("nextCursor") ? result.get("nextCursor").asText() : null;
            } while (cursor != null && sizes.size() < 100);
            assertFalse(seen.contains("delete_account"), seen.toString());
            assertTrue(seen.contains("echo") && seen.contains("slow_progress") && seen.contains("test_simple_text"), seen.toString());
            assertTrue(sizes.contains(1) || sizes.contains(0), "the page that held the hidden tool is short: " + sizes);
            assertTrue(sizes.size() > 5, "paged in twos to the end: " + sizes);
        } finally {
            GatewayTestBed.fixture.toolsPageSize(0);
        }
    }
}
