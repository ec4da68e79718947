package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * A DELETE ends a session even when the upstream keeps none: the gateway ends its own session itself, and refuses the
 * token afterwards without asking the upstream (standalone mode: the in-memory revocation list).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class SessionRevocationTest {

    static RequestSpecification inSession(String session) {
        return Mcp.client(GatewayTestBed.STATELESS_TOKEN).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25");
    }

    @Test
    void afterDeleteTheTokenOfAStatelessUpstreamIsRefusedWithoutReachingTheUpstream() {
        String session = Mcp.client(GatewayTestBed.STATELESS_TOKEN).body(Mcp.initialize(1)).post("/mcp/stateless")
                .then().statusCode(200).extract().header("Mcp-Session-Id");
        assertNotNull(session);
        inSession(session).body(Mcp.legacyCall(2, "echo", "{\"message\":\"before\"}")).post("/mcp/stateless")
                .then().statusCode(200).body(containsString("echo: before"));

        // Another session of the same grant is not affected by this one's DELETE.
        String other = Mcp.client(GatewayTestBed.STATELESS_TOKEN).body(Mcp.initialize(1)).post("/mcp/stateless")
                .header("Mcp-Session-Id");

        int seen = GatewayTestBed.stateless.requests();
        given().header("Authorization", "Bearer " + GatewayTestBed.STATELESS_TOKEN).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25").delete("/mcp/stateless").then().statusCode(200);

        inSession(session).body(Mcp.legacyCall(3, "echo", "{\"message\":\"after\"}")).post("/mcp/stateless")
                .then().statusCode(404).body(containsString("Session not found"));
        inSession(session).accept("text/event-stream").get("/mcp/stateless").then().statusCode(404);
        assertEquals(seen, GatewayTestBed.stateless.requests(),
                "the session was the gateway's alone: the DELETE and the refusals never reached the upstream");

        inSession(other).body(Mcp.legacyCall(4, "echo", "{\"message\":\"other\"}")).post("/mcp/stateless")
                .then().statusCode(200).body(containsString("echo: other"));
    }
}
