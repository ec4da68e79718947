package io.warden.gateway.it;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Risk categories from the upstream's annotations, an operator's pinned category overriding them, and
 * whole methods blocked by the policy's {@code methods}.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class CategoriesAndMethodsTest {

    @Test
    void readToolsPassByCategoryAndAPinnedCategoryOverridesTheAnnotation() {
        // Both tools say readOnlyHint: true upstream, which the gateway learns from tools/list (a tool it has
        // not seen listed is judged pessimistically); the operator pinned "add" as destructive for this server.
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.BY_CATEGORY_TOKEN), "tools/list", null)
                .body("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
                        + "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                        + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}")
                .post("/mcp/fixture").then().statusCode(200);
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.BY_CATEGORY_TOKEN), "tools/call", "echo")
                .body(Mcp.modernCall(1, "echo", "{\"message\":\"read\"}")).post("/mcp/fixture")
                .then().statusCode(200).body("result.content[0].text", equalTo("read"));
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.BY_CATEGORY_TOKEN), "tools/call", "add")
                .body(Mcp.modernCall(2, "add", "{\"a\":1,\"b\":2}")).post("/mcp/fixture")
                .then().statusCode(200).body("result.isError", equalTo(true))
                .body("result._meta.'io.warden/decision'.rule", equalTo("(default deny)"));
    }

    @Test
    void aMethodThePolicyBlocksIsRefusedWithoutReachingTheUpstream() {
        Mcp.modernHeaders(Mcp.client(GatewayTestBed.BY_CATEGORY_TOKEN), "resources/read", "test://static-text")
                .body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-text\","
                        + "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                        + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}")
                .post("/mcp/fixture")
                .then().statusCode(200).body("error.code", equalTo(-32602))
                .body("error.message", startsWith("[POLICY DENIED]")).body("id", equalTo(3));
    }
}
