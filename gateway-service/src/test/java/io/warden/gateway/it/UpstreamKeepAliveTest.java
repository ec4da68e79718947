package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway closes an idle upstream connection after {@code upstream-keep-alive-timeout}, before a server's own idle
 * timeout would (Node: 5 s), so it never writes a request into a connection the server is closing. Vert.x's own default
 * keeps idle connections for 60 s.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
@TestProfile(UpstreamKeepAliveTest.ShortKeepAlive.class)
class UpstreamKeepAliveTest {

    public static class ShortKeepAlive implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.gateway.limits.upstream-keep-alive-timeout", "1s");
        }
    }

    @Test
    void anIdleUpstreamConnectionIsClosedByTheGatewayAfterTheKeepAliveTimeout() {
        Mcp.client(GatewayTestBed.STATELESS_TOKEN).body(Mcp.legacyCall(1, "echo", "{\"message\":\"hi\"}"))
                .post("/mcp/stateless").then().statusCode(200).body(containsString("echo: hi"));
        // The call's pooled connection stays open for reuse, then is closed once idle past the timeout.
        await().atMost(Duration.ofSeconds(10)).until(() -> GatewayTestBed.stateless.openConnections() == 0);
        Mcp.client(GatewayTestBed.STATELESS_TOKEN).body(Mcp.legacyCall(2, "echo", "{\"message\":\"again\"}"))
                .post("/mcp/stateless").then().statusCode(200).body(containsString("echo: again"));
    }
}
