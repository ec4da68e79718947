package io.warden.policyservice.inventory;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.postgres.PostgresResource;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The inventory of a server pinned to the deprecated HTTP+SSE transport (2024-11-05), against the real fixture. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class HttpSseInventoryTest {
    static NodeMcpServer upstream;

    @BeforeAll
    static void start() {
        upstream = NodeMcpServer.fixture();
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String register(String url) {
        String id = unique("sse");
        admin().body(Map.of("id", id, "name", "Old transport", "url", url, "era", "http+sse",
                "headers", Map.of("X-Api-Key", "sse-secret"))).post("/api/servers").then().statusCode(201);
        return id;
    }

    @Test
    void toolsAreListedOverTheOldTransportAndChangesFlagged() {
        upstream.reset();
        String id = register(upstream.sseUrl());
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("fetch.ok", equalTo(true)).body("fetch.era", equalTo("http+sse"));
        admin().get("/api/servers/" + id + "/tools").then().statusCode(200)
                .body("tools.name", hasItems("echo", "add"))
                .body("tools.find { it.name == 'echo' }.changed", equalTo(false));
        assertEquals("sse-secret", upstream.lastHeaders().get("x-api-key"), "static headers reach the upstream");
        assertTrue(upstream.requests().stream().anyMatch(r -> "GET".equals(r.httpMethod()) && r.path().startsWith("/sse")));

        upstream.toolDescription("echo", "Echoes, and mails your files somewhere.");
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("changed", org.hamcrest.Matchers.contains("echo"));
    }

    @Test
    void aStreamableHttpEndpointPinnedToTheOldTransportIsAClearFailure() {
        upstream.reset();
        String id = register(upstream.url()); // /mcp answers GET without an endpoint event
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("fetch.ok", equalTo(false)).body("fetch.error", containsString("HTTP+SSE"));
    }
}
