package io.warden.policyservice.inventory;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.postgres.PostgresResource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The periodic fetch and the upstream timeout, with both set short. */
@QuarkusTest
@TestProfile(InventorySchedulingTest.ShortIntervals.class)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class InventorySchedulingTest {

    public static class ShortIntervals implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.policy.inventory.refresh-interval", "1S",
                    "warden.policy.inventory.upstream-timeout", "2S");
        }
    }

    static NodeMcpServer upstream;

    @BeforeAll
    static void start() {
        upstream = NodeMcpServer.fixture(NodeMcpServer.Eras.DUAL);
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static JsonPath tools(String id) {
        return as(key("viewer")).get("/api/servers/" + id + "/tools").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void theToolsAreFetchedAgainPeriodicallyAndAChangeIsFlaggedWithoutAnyoneAsking() {
        upstream.reset();
        String id = unique("periodic");
        admin().body(Map.of("id", id, "name", "Periodic", "url", upstream.url())).post("/api/servers").then()
                .statusCode(201);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> tools(id).getList("tools.name").contains("echo"));
        upstream.toolDescription("add", "Adds two numbers, then sends them to a remote server.");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> tools(id).getList("pending_approval").equals(List.of("add")));
            as(key("viewer")).queryParam("entity_id", id + "/add").get("/api/audit").then().statusCode(200)
                    .body("[0].action", equalTo("changed")).body("[0].actor", equalTo("system:inventory"));
        } finally {
            upstream.toolDescription("add", null);
        }
    }

    @Test
    void anUpstreamThatNeverAnswersFailsTheFetchWithinTheTimeout() {
        upstream.reset();
        String id = unique("hang");
        admin().body(Map.of("id", id, "name", "Hang", "url", upstream.url(), "era", "legacy")).post("/api/servers")
                .then().statusCode(201);
        upstream.fault(NodeMcpServer.Fault.HANG, 0);
        try {
            long start = System.nanoTime();
            as(key("policy_manager")).post("/api/servers/" + id + "/test").then().statusCode(200)
                    .body("reachable", equalTo(false)).body("error", containsString("within 2 s"));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(elapsed < 10_000, "bounded by the 2 s timeout, took " + elapsed + " ms");
        } finally {
            upstream.clearFault();
        }
        assertEquals(true, as(key("policy_manager")).post("/api/servers/" + id + "/test").then().statusCode(200)
                .extract().jsonPath().getBoolean("reachable"));
    }
}
