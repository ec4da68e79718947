package io.warden.gateway.it;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** Legacy sessions: gateway-minted ids, notifications answered 202, DELETE ends the session, metrics recorded. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class SessionLifecycleTest {

    @Test
    void initializeNotifyCallDeleteThen404() {
        Response init = Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture");
        init.then().statusCode(200);
        String session = init.header("Mcp-Session-Id");
        assertNotNull(session);
        // The upstream's own id never reaches the client: ours is a sealed token far longer than a UUID.
        assertTrue(session.length() > 100, session);

        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25")
                .body("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").post("/mcp/fixture")
                .then().statusCode(202).body(equalTo(""));

        String call = Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25").body(Mcp.legacyCall(2, "echo", "{\"message\":\"in session\"}"))
                .post("/mcp/fixture").then().statusCode(200).extract().asString();
        assertTrue(call.contains("in session"), call);

        io.restassured.RestAssured.given().header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN)
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25")
                .delete("/mcp/fixture").then().statusCode(org.hamcrest.Matchers.oneOf(200, 202, 204));

        Mcp.client(GatewayTestBed.ALLOW_TOKEN).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25")
                .body(Mcp.legacyCall(3, "echo", "{\"message\":\"after delete\"}")).post("/mcp/fixture")
                .then().statusCode(404);
    }

    @Test
    void everyInitializeGetsItsOwnSession() {
        String a = Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture").header("Mcp-Session-Id");
        String b = Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture").header("Mcp-Session-Id");
        assertNotEquals(a, b);
    }

    @Test
    void metricsCountRequestsDecisionsAndLatency() {
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "echo")
                .body(Mcp.modernCall(5, "echo", "{\"message\":\"m\"}")).post("/mcp/fixture").then().statusCode(200);
        io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("warden_requests_total{"))
                .body(containsString("warden_decisions_total{"))
                .body(containsString("warden_gateway_seconds_bucket{"))
                .body(containsString("warden_upstream_seconds_bucket{"))
                .body(containsString("warden_audit_written_total"));
    }
}
