package io.warden.policyservice.policies;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.PolicyProblem;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class PoliciesApiTest {
    static final String V1 = "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"echo\": {}}}";
    static final String V2 = "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"echo\": {}, \"add\": {}},"
            + " \"hide\": [\"delete_*\"]}";
    /** Four problems, in the engine's order. */
    static final String BROKEN = "{\"version\":\"1\",\"default\":\"maybe\",\"tools\":{\"x\":{\"deny_if\":[{\"op\":\"nope\"}]}},"
            + " \"extra\": 1}";

    PostgresServer postgres;

    private String count(String sql) {
        return postgres.psql("warden", sql);
    }

    @Test
    void versionsAreKeptWithAuthorHashAndOneCurrentVersion() {
        String name = unique("pol");
        String managerKey = key("policy_manager");
        as(managerKey).body(V1).post("/api/policies/" + name).then().statusCode(201)
                .body("name", equalTo(name)).body("version", equalTo(1)).body("current", equalTo(true))
                .body("document.tools.echo", equalTo(Map.of()))
                .body("hash", equalTo(CanonicalJson.hash(CanonicalJson.parse(V1))));
        as(managerKey).body(V2).post("/api/policies/" + name + "/versions").then().statusCode(201)
                .body("version", equalTo(2)).body("document.hide", contains("delete_*"));

        as(key("viewer")).get("/api/policies/" + name).then().statusCode(200).body("version", equalTo(2));
        as(key("viewer")).get("/api/policies/" + name + "/versions").then().statusCode(200)
                .body("version", contains(1, 2)).body("current", contains(false, true))
                .body("author", hasItem(org.hamcrest.Matchers.startsWith("mem_")));
        as(key("viewer")).get("/api/policies/" + name + "/versions/1").then().statusCode(200)
                .body("document.tools.add", org.hamcrest.Matchers.nullValue()).body("current", equalTo(false));
        as(key("viewer")).get("/api/policies").then().statusCode(200).body("name", hasItem(name));

        // the document is stored exactly as submitted
        assertEquals(V2, count("SELECT document FROM policy_versions WHERE policy_name = '" + name + "' AND version = 2"));
        assertEquals("2", count("SELECT current_version FROM policies WHERE name = '" + name + "'"));
    }

    @Test
    void theHashIgnoresKeyOrderAndSpacing() {
        String a = unique("hash");
        String b = unique("hash");
        String hashA = admin().body(V1).post("/api/policies/" + a).then().statusCode(201).extract().path("hash");
        String hashB = admin().body("{ \"tools\" : {\"echo\":{}},\n \"default\":\"deny\", \"version\":\"1\" }")
                .post("/api/policies/" + b).then().statusCode(201).extract().path("hash");
        assertEquals(hashA, hashB);
    }

    @Test
    void diffAndRollback() {
        String name = unique("roll");
        admin().body(V1).post("/api/policies/" + name).then().statusCode(201);
        admin().body(V2).post("/api/policies/" + name + "/versions").then().statusCode(201);
        JsonPath diff = admin().get("/api/policies/" + name + "/diff?from=1&to=2").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(List.of("add", "add"), diff.getList("changes.op"));
        assertEquals(List.of("/hide", "/tools/add"), diff.getList("changes.pointer"));

        as(key("policy_manager")).body(Map.of("version", 1)).post("/api/policies/" + name + "/rollback")
                .then().statusCode(201).body("version", equalTo(3)).body("note", equalTo("rollback to version 1"))
                .body("document.tools.add", org.hamcrest.Matchers.nullValue());
        admin().get("/api/policies/" + name + "/diff?from=1&to=3").then().statusCode(200)
                .body("changes", hasSize(0));
        admin().get("/api/policies/" + name + "/versions").then().body("version", contains(1, 2, 3));
        admin().body(Map.of("version", 3)).post("/api/policies/" + name + "/rollback").then().statusCode(409);
        admin().body(Map.of("version", 9)).post("/api/policies/" + name + "/rollback").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/version"));
        admin().body(Map.of()).post("/api/policies/" + name + "/rollback").then().statusCode(422)
                .body("errors[0].pointer", equalTo("/version")).body("errors[0].message", equalTo("required"));
        admin().get("/api/policies/" + name + "/diff?from=1&to=x").then().statusCode(400)
                .body("type", equalTo("urn:warden:problem:bad-parameter"));
        admin().get("/api/policies/" + name + "/diff?from=1").then().statusCode(400);
        admin().get("/api/policies/" + name + "/versions/0").then().statusCode(400);
        admin().get("/api/policies/" + name + "/versions/7").then().statusCode(404);
    }

    @Test
    void validationReportsEveryProblemWithTheEnginesPointersAndMessages() {
        List<PolicyProblem> engine = PolicyCompiler.compile(BROKEN).problems();
        assertEquals(4, engine.size());
        JsonPath report = as(key("viewer")).body(BROKEN).post("/api/policy-validation").then().statusCode(200)
                .body("valid", equalTo(false)).extract().jsonPath();
        assertEquals(engine.stream().map(PolicyProblem::pointer).toList(), report.getList("errors.pointer"));
        assertEquals(engine.stream().map(PolicyProblem::message).toList(), report.getList("errors.message"));
        assertEquals("expected \"allow\" or \"deny\", got \"maybe\"", report.getString("errors[1].message"));

        as(key("viewer")).body(V1).post("/api/policy-validation").then().statusCode(200)
                .body("valid", equalTo(true)).body("errors", hasSize(0));
    }

    @Test
    void aPolicyThatDoesNotCompileIsRefusedWithTheEnginesProblemsAndNothingIsWritten() {
        String name = unique("broken");
        List<PolicyProblem> engine = PolicyCompiler.compile(BROKEN).problems();
        JsonPath problem = admin().body(BROKEN).post("/api/policies/" + name).then().statusCode(422)
                .contentType("application/problem+json").body("type", equalTo("urn:warden:problem:policy-invalid"))
                .body("status", equalTo(422)).extract().jsonPath();
        assertEquals(engine.stream().map(PolicyProblem::pointer).toList(), problem.getList("errors.pointer"));
        assertEquals(engine.stream().map(PolicyProblem::message).toList(), problem.getList("errors.message"));
        assertEquals("0", count("SELECT count(*) FROM policies WHERE name = '" + name + "'"));
        assertEquals("0", count("SELECT count(*) FROM policy_versions WHERE policy_name = '" + name + "'"));

        String kept = unique("kept");
        admin().body(V1).post("/api/policies/" + kept).then().statusCode(201);
        admin().body(BROKEN).post("/api/policies/" + kept + "/versions").then().statusCode(422);
        assertEquals("1", count("SELECT count(*) FROM policy_versions WHERE policy_name = '" + kept + "'"));
        assertEquals("1", count("SELECT current_version FROM policies WHERE name = '" + kept + "'"));
    }

    @Test
    void notJsonAtAllIs400WithTheEnginesMessage() {
        String name = unique("nojson");
        String message = PolicyCompiler.compile("{nope").problems().get(0).message();
        admin().body("{nope").post("/api/policies/" + name).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].pointer", equalTo(""))
                .body("errors[0].message", equalTo(message));
        admin().body("").post("/api/policies/" + name).then().statusCode(400)
                .body("errors[0].message", equalTo("empty document (expected a JSON object)"));
        admin().body("{\"version\": \"1\", \"default\": \"deny\", \"default\": \"allow\"}")
                .post("/api/policies/" + name).then().statusCode(400)
                .body("errors[0].message", org.hamcrest.Matchers.containsString("Duplicate field 'default'"));
        assertEquals("0", count("SELECT count(*) FROM policies WHERE name = '" + name + "'"));
    }

    @Test
    void duplicateNamesUnknownPoliciesAndBadNames() {
        String name = unique("dup");
        admin().body(V1).post("/api/policies/" + name).then().statusCode(201);
        admin().body(V2).post("/api/policies/" + name).then().statusCode(409)
                .body("type", equalTo("urn:warden:problem:duplicate"));
        assertEquals("1", count("SELECT count(*) FROM policy_versions WHERE policy_name = '" + name + "'"));
        admin().body(V1).post("/api/policies/no-such-policy/versions").then().statusCode(404)
                .contentType("application/problem+json");
        admin().get("/api/policies/no-such-policy").then().statusCode(404);
        admin().body(V1).post("/api/policies/-bad").then().statusCode(422).body("errors[0].pointer", equalTo("/name"));
    }
}
