package io.warden.policyservice.shadow;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.policyservice.testing.Api;
import io.warden.testsupport.postgres.PostgresResource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shadow evaluation API without audit-service configured (the service's default): the request is checked first,
 * then the answer says plainly that audit-service is not configured. The replay against a real audit-service is in
 * e2e-tests ConsoleE2EIT; the replay logic in {@link ShadowEvaluatorTest}.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class ShadowApiTest {

    @Test
    void withoutAuditServiceTheAnswerSaysSo() {
        String server = Api.createServer(unique("shadow-srv"));
        admin().contentType("application/json")
                .body(Map.of("server", server, "policy", Map.of("version", "1", "default", "allow")))
                .post("/api/shadow-evaluations")
                .then().statusCode(503)
                .contentType(containsString("application/problem+json"))
                .body("type", equalTo("urn:warden:problem:audit-not-configured"))
                .body("detail", containsString("warden.policy.audit-service.url"));
        admin().get("/api/console/grant-usage").then().statusCode(503)
                .body("type", equalTo("urn:warden:problem:audit-not-configured"))
                .body("detail", containsString("usage per grant"));
    }

    @Test
    void theRequestIsCheckedBeforeAnythingIsRead() {
        String server = Api.createServer(unique("shadow-srv"));
        admin().contentType("application/json")
                .body(Map.of("server", server, "policy", Map.of("version", "1", "default", "maybe")))
                .post("/api/shadow-evaluations")
                .then().statusCode(422)
                .body("type", equalTo("urn:warden:problem:policy-invalid"))
                .body("errors.pointer", hasItem("/policy/default"));
        admin().contentType("application/json")
                .body(Map.of("server", "no-such-server", "policy", Map.of("version", "1", "default", "allow")))
                .post("/api/shadow-evaluations")
                .then().statusCode(404);
        admin().contentType("application/json")
                .body(Map.of("server", server, "grant", "nobody", "policy", Map.of("version", "1", "default", "allow")))
                .post("/api/shadow-evaluations")
                .then().statusCode(422).body("errors.pointer", hasItem("/grant"));
        admin().contentType("application/json").body(Map.of("server", server))
                .post("/api/shadow-evaluations")
                .then().statusCode(422).body("errors.pointer", hasItem("/policy"));
        Api.as(null).contentType("application/json").body(Map.of("server", server))
                .post("/api/shadow-evaluations").then().statusCode(401);
    }
}
