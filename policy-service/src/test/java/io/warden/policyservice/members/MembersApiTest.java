package io.warden.policyservice.members;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.warden.api.GrantTokens;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class MembersApiTest {
    PostgresServer postgres;

    @Test
    void aKeyIsShownOnceStoredAsAHashAndWorksWithItsRole() {
        Response created = admin().body(Map.of("label", "Alice", "role", "policy_manager")).post("/api/members");
        created.then().statusCode(201).body("member.role", equalTo("policy_manager"))
                .body("member.label", equalTo("Alice")).body("member.created_by", equalTo("bootstrap-admin"));
        String key = created.path("key");
        String id = created.path("member.id");
        assertTrue(key.startsWith("wdk_"));
        assertEquals(GrantTokens.hash(key), postgres.psql("warden", "SELECT key_hash FROM members WHERE id = '" + id + "'"));

        String list = admin().get("/api/members").then().statusCode(200).body("id", hasItem(id)).extract().asString();
        String one = admin().get("/api/members/" + id).then().statusCode(200).extract().asString();
        for (String body : new String[] {list, one}) {
            assertFalse(body.contains(key) || body.contains(GrantTokens.hash(key).substring(7)) || body.contains("key"),
                    body);
        }
        // its role: may write policies, may not create servers
        as(key).body("{\"version\":\"1\",\"default\":\"deny\"}").post("/api/policies/" + id).then().statusCode(201)
                .body("author", equalTo(id));
        as(key).body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp")).post("/api/servers")
                .then().statusCode(403).body("detail", equalTo("this needs the admin role; the key has policy_manager"));
    }
}
