package io.warden.policyservice.audit;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class AuditApiTest {
    PostgresServer postgres;

    @Test
    void everyChangeIsRecordedWithBeforeAndAfterAndNoSecret() {
        String id = unique("aud");
        String secret = "audit-secret-" + id;
        admin().body(Map.of("id", id, "name", "Before", "url", "http://127.0.0.1:9/mcp?key=" + secret,
                "headers", Map.of("X-Key", secret))).post("/api/servers").then().statusCode(201);
        admin().body(Map.of("name", "After", "headers", Map.of("X-Key", secret + "-2")))
                .patch("/api/servers/" + id).then().statusCode(200);
        admin().delete("/api/servers/" + id).then().statusCode(204);

        JsonPath trail = as(key("viewer")).get("/api/audit?entity_type=server&entity_id=" + id).then()
                .statusCode(200).body("$", hasSize(3)).extract().jsonPath();
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("delete", "update", "create"),
                trail.getList("action"));
        org.junit.jupiter.api.Assertions.assertEquals("bootstrap-admin", trail.getString("[0].actor"));
        org.junit.jupiter.api.Assertions.assertEquals("Before", trail.getString("[1].before.name"));
        org.junit.jupiter.api.Assertions.assertEquals("After", trail.getString("[1].after.name"));
        org.junit.jupiter.api.Assertions.assertEquals("********", trail.getString("[1].after.headers.X-Key"));
        org.junit.jupiter.api.Assertions.assertNull(trail.get("[2].before"));
        org.junit.jupiter.api.Assertions.assertNull(trail.get("[0].after"));

        String everything = postgres.psql("warden", "SELECT coalesce(before::text, '') || coalesce(after::text, '')"
                + " FROM admin_audit WHERE entity_id = '" + id + "'");
        assertTrue(everything.contains("After"), "the query read the rows");
        assertFalse(everything.contains(secret), "no header value or URL query value in the trail");
    }

    @Test
    void filtersByActorEntityAndTime() {
        Instant start = Instant.now().minusSeconds(1);
        String managerKey = key("policy_manager");
        String name = unique("audp");
        as(managerKey).body("{\"version\":\"1\",\"default\":\"deny\"}").post("/api/policies/" + name)
                .then().statusCode(201);
        as(managerKey).body("{\"version\":\"1\",\"default\":\"allow\"}").post("/api/policies/" + name + "/versions")
                .then().statusCode(201);
        String actor = as(managerKey).get("/api/policies/" + name).then().extract().path("author");

        admin().get("/api/audit?actor=" + actor + "&entity_id=" + name).then().statusCode(200)
                .body("action", contains("new-version", "create")).body("actor", everyItem(equalTo(actor)))
                .body("[0].before.version", equalTo(1)).body("[0].after.version", equalTo(2))
                .body("[0].after.document.default", equalTo("allow"));
        admin().get("/api/audit?entity_id=" + name + "&limit=1").then().body("$", hasSize(1));
        admin().get("/api/audit?entity_id=" + name + "&since=" + start).then().body("$", hasSize(2));
        admin().get("/api/audit?entity_id=" + name + "&until=" + start).then().body("$", hasSize(0));
        admin().get("/api/audit?actor=nobody&entity_id=" + name).then().body("$", hasSize(0));
    }

    @Test
    void refusedAndFailedChangesLeaveNoEntry() {
        String id = unique("nope");
        as(key("viewer")).body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp")).post("/api/servers")
                .then().statusCode(403);
        admin().body("{\"version\":\"1\",\"default\":\"sometimes\"}").post("/api/policies/" + id)
                .then().statusCode(422);
        admin().get("/api/audit?entity_id=" + id).then().statusCode(200).body("$", hasSize(0))
                .body("[0]", nullValue());
    }
}
