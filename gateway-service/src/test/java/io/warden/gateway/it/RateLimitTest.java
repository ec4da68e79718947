package io.warden.gateway.it;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

/**
 * Limits through the gateway in standalone mode (the in-memory limiter; the Redis limiter passes the
 * same contract suite). Also: a hidden tool and a tool the upstream lacks answer identically.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class RateLimitTest {

    private static JsonPath call(String token, String server, String tool, String args) {
        return JsonPath.from(Mcp.modernHeaders(Mcp.client(token), "tools/call", tool)
                .body(Mcp.modernCall(1, tool, args)).post("/mcp/" + server).then().extract().asString());
    }

    @Test
    void limitAdmitsMaxThenDeniesNamingCounterLimitAndWait() {
        assertEquals("a", call(GatewayTestBed.LIMITED_TOKEN, "fixture", "echo", "{\"message\":\"a\"}").getString("result.content[0].text"));
        assertEquals("b", call(GatewayTestBed.LIMITED_TOKEN, "fixture", "echo", "{\"message\":\"b\"}").getString("result.content[0].text"));
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.LIMITED_TOKEN), "tools/call", "echo")
                .body(Mcp.modernCall(3, "echo", "{\"message\":\"c\"}")).post("/mcp/fixture")
                .then().statusCode(200)
                .body("result.isError", equalTo(true))
                .body("result.content[0].text", containsString("[POLICY DENIED] Rate limit \"calls\" reached (2 per hour). Retry in"))
                .body("result._meta.'io.warden/decision'.rule", equalTo("/all_tools/limits/0"))
                .body("result._meta.'io.warden/decision'.retryAfterMs", greaterThan(1_000_000));
    }

    @Test
    void toolResultWithIsErrorStillCounts() {
        JsonPath first = call(GatewayTestBed.COUNTED_TOKEN, "fixture", "test_error_handling", "{}");
        assertEquals(true, first.getBoolean("result.isError"));
        JsonPath second = call(GatewayTestBed.COUNTED_TOKEN, "fixture", "echo", "{\"message\":\"x\"}");
        assertEquals("/all_tools/limits/0", second.getString("result._meta.'io.warden/decision'.rule"));
    }

    @Test
    void callsThatNeverRanGiveTheirTokensBack() {
        // Upstream unreachable twice: with max 1/hour the second is only possible if the first was refunded.
        for (int i = 0; i < 2; i++) {
            Mcp.modernHeaders(Mcp.client(GatewayTestBed.LIMITED_DOWN_TOKEN), "tools/call", "echo")
                    .body(Mcp.modernCall(i, "echo", "{}")).post("/mcp/down")
                    .then().statusCode(502).body("error.message", containsString("unreachable"));
        }
    }

    @Test
    void hiddenToolAndMissingToolAnswerTheSame() {
        JsonPath hidden = JsonPath.from(Mcp.client(GatewayTestBed.STRICT_TOKEN)
                .body(Mcp.legacyCall(9, "delete_account", "{}")).post("/mcp/fixture").then().extract().asString());
        JsonPath missing = JsonPath.from(Mcp.modernHeaders(Mcp.client(GatewayTestBed.ALLOW_TOKEN), "tools/call", "no_such_tool")
                .body(Mcp.modernCall(9, "no_such_tool", "{}")).post("/mcp/fixture").then().extract().asString());
        assertEquals(-32602, hidden.getInt("error.code"));
        assertEquals(hidden.getInt("error.code"), missing.getInt("error.code"));
        assertEquals("Unknown tool: delete_account", hidden.getString("error.message"));
        assertEquals("Unknown tool: no_such_tool", missing.getString("error.message"));
        assertEquals(hidden.getMap("error").keySet(), missing.getMap("error").keySet());
    }
}
