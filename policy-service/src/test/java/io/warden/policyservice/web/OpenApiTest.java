package io.warden.policyservice.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.postgres.PostgresResource;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class OpenApiTest {

    @Test
    void theApiIsDescribedAndSwaggerUiIsServed() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/servers/{id}")).body(containsString("/api/policies/{name}/rollback"))
                .body(containsString("/api/policy-validation")).body(containsString("/api/audit"))
                .body(containsString("\"bearer\""));
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }
}
