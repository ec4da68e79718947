package io.warden.policyservice.inventory;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.http.HttpVersion;
import io.warden.testsupport.postgres.PostgresResource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Servers marked {@code http2} are listed and tested over HTTP/2 (h2c with prior knowledge), as the gateway reaches
 * them, against an upstream that refuses HTTP/1.1; unmarked servers keep HTTP/1.1.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class Http2InventoryTest {
    static H2cOnlyMcpServer upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = new H2cOnlyMcpServer();
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }

    /** Registers a server at the upstream's endpoint {@code sse ? /sse : /mcp}, its requests counted under its id. */
    private static String register(boolean sse, String era, boolean http2) {
        String id = unique("h2");
        String url = sse ? upstream.sseUrl(id) : upstream.url(id);
        Map<String, Object> server = new HashMap<>(Map.of("id", id, "name", "H2", "url", url, "http2", http2));
        if (era != null) {
            server.put("era", era);
        }
        admin().body(server).post("/api/servers").then().statusCode(201);
        return id;
    }

    @Test
    void theInventoryOfAnHttp2ServerIsFetchedOverHttp2() {
        String id = register(false, null, true);
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("fetch.ok", equalTo(true)).body("fetch.era", equalTo("legacy")).body("tools", equalTo(1));
        admin().get("/api/servers/" + id + "/tools").then().statusCode(200).body("tools.name", contains("h2_echo"));
        assertEquals(0, upstream.requests(id, HttpVersion.HTTP_1_1), "nothing over HTTP/1.1");
        // server/discover (unknown: legacy), initialize, notifications/initialized, tools/list, DELETE
        assertTrue(upstream.requests(id, HttpVersion.HTTP_2) >= 5, "the whole exchange over HTTP/2");
    }

    @Test
    void aConnectionTestOfAnHttp2ServerUsesHttp2() {
        String id = register(false, "legacy", true);
        admin().post("/api/servers/" + id + "/test").then().statusCode(200)
                .body("reachable", equalTo(true)).body("era", equalTo("legacy"))
                .body("server_info.name", equalTo("h2c-only")).body("tool_count", equalTo(1));
        assertEquals(0, upstream.requests(id, HttpVersion.HTTP_1_1));
        assertTrue(upstream.requests(id, HttpVersion.HTTP_2) >= 4);
    }

    @Test
    void theOldHttpSseTransportWorksOverHttp2Too() {
        String id = register(true, "http+sse", true);
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("fetch.ok", equalTo(true)).body("fetch.era", equalTo("http+sse")).body("tools", equalTo(1));
        assertEquals(0, upstream.requests(id, HttpVersion.HTTP_1_1));
        // GET /sse, then initialize, notifications/initialized and tools/list on the message endpoint
        assertTrue(upstream.requests(id, HttpVersion.HTTP_2) >= 4);
    }

    @Test
    void withoutTheFlagTheServerIsReachedOverHttp11() {
        String id = register(false, null, false);
        admin().post("/api/servers/" + id + "/tools/refresh").then().statusCode(200)
                .body("fetch.ok", equalTo(false)).body("fetch.error", containsString("HTTP 505"));
        assertTrue(upstream.requests(id, HttpVersion.HTTP_1_1) > 0, "the h2c-only upstream refused HTTP/1.1");
        assertEquals(0, upstream.requests(id, HttpVersion.HTTP_2));
    }
}
