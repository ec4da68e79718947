package io.warden.gateway.it;

import static io.warden.gateway.it.Metrics.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.mcp.RawMcpClient;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Paths where the gateway used to leave a client waiting forever: a session it cannot seal, whether the upstream's
 * session id or the client's protocol version is too long for the token. Each now ends with an answer (the raw client
 * gives up after 30 s, so a hang fails the test).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class FailurePathsTest {

    @TestHTTPResource("/")
    URI base;

    private RawMcpClient client(String server, String token) {
        return new RawMcpClient(base.resolve("mcp/" + server).toString()).header("Authorization", "Bearer " + token);
    }

    @Test
    void anUpstreamSessionIdTooLongToSealIsA502NotAHang() {
        String counter = "warden_upstream_errors_total{cause=\"session_unsealable\",server=\"long-session\"}";
        double before = metric(counter);
        RawMcpClient.Exchange init = client("long-session", GatewayTestBed.faultToken("long-session"))
                .post(Mcp.initialize(1), Map.of());
        assertEquals(502, init.status(), init.body());
        assertEquals(-32603, init.response().path("error").path("code").asInt());
        assertEquals(1, init.response().path("id").asInt());
        assertTrue(init.response().path("error").path("message").asText().contains("session id"), init.body());
        assertEquals(null, init.header("Mcp-Session-Id"));
        assertEquals(before + 1, metric(counter));
    }

    @Test
    void aProtocolVersionTooLongToSealStillGetsASession() {
        String huge = "2025-" + "9".repeat(2000);
        RawMcpClient c = client("fixture", GatewayTestBed.ALLOW_TOKEN);
        RawMcpClient.Exchange init = c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
                + huge + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"long\",\"version\":\"1\"}}}", Map.of());
        assertEquals(200, init.status(), init.body());
        String session = init.header("Mcp-Session-Id");
        assertNotNull(session, init.body());
        String negotiated = init.result().path("protocolVersion").asText();
        RawMcpClient.Exchange ping = c.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}",
                Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", negotiated));
        assertEquals(200, ping.status(), ping.body());
    }
}
