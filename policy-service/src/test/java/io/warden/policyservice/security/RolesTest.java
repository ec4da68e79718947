package io.warden.policyservice.security;

import static io.warden.policyservice.testing.Api.POLICY;
import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.createPolicy;
import static io.warden.policyservice.testing.Api.createServer;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.mintGrant;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.warden.testsupport.postgres.PostgresResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every endpoint with every role: allowed at and above its role (the expected success status), refused below it
 * (403 problem), and 401 with {@code WWW-Authenticate} without a key or with an unknown one.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class RolesTest {

    /** One endpoint: the least role it needs, its success status, and the call (fixtures made fresh per call). */
    record Endpoint(String name, Role least, int ok, Function<RequestSpecification, Response> call) {
    }

    private static List<Endpoint> endpoints() {
        List<Endpoint> e = new ArrayList<>();
        // servers
        e.add(new Endpoint("GET /api/servers", Role.VIEWER, 200, r -> r.get("/api/servers")));
        e.add(new Endpoint("GET /api/servers/{id}", Role.VIEWER, 200,
                r -> { String s = createServer(unique("rs")); return r.get("/api/servers/" + s); }));
        e.add(new Endpoint("POST /api/servers", Role.ADMIN, 201, r -> r.body(Map.of("id", unique("rs"), "name", "N",
                "url", "http://127.0.0.1:9/mcp")).post("/api/servers")));
        e.add(new Endpoint("PATCH /api/servers/{id}", Role.ADMIN, 200,
                r -> { String s = createServer(unique("rs")); return r.body(Map.of("name", "M")).patch("/api/servers/" + s); }));
        e.add(new Endpoint("DELETE /api/servers/{id}", Role.ADMIN, 204,
                r -> { String s = createServer(unique("rs")); return r.delete("/api/servers/" + s); }));
        // grants
        e.add(new Endpoint("GET /api/grants", Role.VIEWER, 200, r -> r.get("/api/grants")));
        e.add(new Endpoint("GET /api/grants/{id}", Role.VIEWER, 200,
                r -> r.get("/api/grants/" + mintGrant(unique("rg")).get(0))));
        e.add(new Endpoint("POST /api/grants", Role.ADMIN, 201, r -> r.body(Map.of("id", unique("rg"), "label", "L",
                "server", createServer(unique("rs")))).post("/api/grants")));
        e.add(new Endpoint("POST /api/grants/{id}/rotate", Role.ADMIN, 200,
                r -> r.post("/api/grants/" + mintGrant(unique("rg")).get(0) + "/rotate")));
        e.add(new Endpoint("POST /api/grants/{id}/revoke", Role.ADMIN, 200,
                r -> r.post("/api/grants/" + mintGrant(unique("rg")).get(0) + "/revoke")));
        e.add(new Endpoint("PUT /api/grants/{id}/policy", Role.POLICY_MANAGER, 200, r -> {
            String g = mintGrant(unique("rg")).get(0);
            return r.body(Map.of("policy", createPolicy(unique("rp")))).put("/api/grants/" + g + "/policy");
        }));
        // policies
        e.add(new Endpoint("GET /api/policies", Role.VIEWER, 200, r -> r.get("/api/policies")));
        e.add(new Endpoint("GET /api/policies/{name}", Role.VIEWER, 200,
                r -> r.get("/api/policies/" + createPolicy(unique("rp")))));
        e.add(new Endpoint("GET /api/policies/{name}/versions", Role.VIEWER, 200,
                r -> r.get("/api/policies/" + createPolicy(unique("rp")) + "/versions")));
        e.add(new Endpoint("GET /api/policies/{name}/versions/{v}", Role.VIEWER, 200,
                r -> r.get("/api/policies/" + createPolicy(unique("rp")) + "/versions/1")));
        e.add(new Endpoint("GET /api/policies/{name}/diff", Role.VIEWER, 200,
                r -> r.get("/api/policies/" + createPolicy(unique("rp")) + "/diff?from=1&to=1")));
        e.add(new Endpoint("POST /api/policy-validation", Role.VIEWER, 200,
                r -> r.body(POLICY).post("/api/policy-validation")));
        e.add(new Endpoint("POST /api/policies/{name}", Role.POLICY_MANAGER, 201,
                r -> r.body(POLICY).post("/api/policies/" + unique("rp"))));
        e.add(new Endpoint("POST /api/policies/{name}/versions", Role.POLICY_MANAGER, 201,
                r -> r.body(POLICY).post("/api/policies/" + createPolicy(unique("rp")) + "/versions")));
        e.add(new Endpoint("POST /api/policies/{name}/rollback", Role.POLICY_MANAGER, 201, r -> {
            String p = createPolicy(unique("rp"));
            admin().body("{\"version\": \"1\", \"default\": \"allow\"}").post("/api/policies/" + p + "/versions")
                    .then().statusCode(201);
            return r.body(Map.of("version", 1)).post("/api/policies/" + p + "/rollback");
        }));
        // members
        e.add(new Endpoint("GET /api/members", Role.ADMIN, 200, r -> r.get("/api/members")));
        e.add(new Endpoint("POST /api/members", Role.ADMIN, 201,
                r -> r.body(Map.of("label", "new", "role", "viewer")).post("/api/members")));
        e.add(new Endpoint("GET /api/members/{id}", Role.ADMIN, 200, r -> r.get("/api/members/" + newMember())));
        e.add(new Endpoint("DELETE /api/members/{id}", Role.ADMIN, 200, r -> r.delete("/api/members/" + newMember())));
        // audit, keys
        e.add(new Endpoint("GET /api/audit", Role.VIEWER, 200, r -> r.get("/api/audit")));
        e.add(new Endpoint("POST /api/admin/re-encrypt", Role.ADMIN, 200, r -> r.post("/api/admin/re-encrypt")));
        e.add(new Endpoint("GET /api/gateways", Role.VIEWER, 200, r -> r.get("/api/gateways")));
        return e;
    }

    private static String newMember() {
        return admin().body(Map.of("label", "m", "role", "viewer")).post("/api/members").then().statusCode(201)
                .extract().path("member.id");
    }

    @TestFactory
    Stream<DynamicTest> everyEndpointWithEveryRole() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(endpoint.name() + " as " + role.wire(), () -> {
                    Response response = endpoint.call().apply(as(key(role.wire())));
                    if (role.includes(endpoint.least())) {
                        assertEquals(endpoint.ok(), response.statusCode(), response.asString());
                    } else {
                        response.then().statusCode(403).contentType("application/problem+json")
                                .body("status", equalTo(403)).body("type", equalTo("urn:warden:problem:forbidden"));
                    }
                }));
            }
            tests.add(DynamicTest.dynamicTest(endpoint.name() + " without a key", () ->
                    endpoint.call().apply(as(null)).then().statusCode(401)
                            .header("WWW-Authenticate", "Bearer realm=\"warden-policy\"")
                            .contentType("application/problem+json")));
            tests.add(DynamicTest.dynamicTest(endpoint.name() + " with an unknown key", () ->
                    endpoint.call().apply(as("wdk_not-a-key")).then().statusCode(401)
                            .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"))));
        }
        return tests.stream();
    }

    @Test
    void aRefusedWriteChangesNothing() {
        String id = unique("refused");
        as(key("policy_manager")).body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp"))
                .post("/api/servers").then().statusCode(403);
        as(key("viewer")).body(POLICY).post("/api/policies/" + id).then().statusCode(403);
        admin().get("/api/servers/" + id).then().statusCode(404);
        admin().get("/api/policies/" + id).then().statusCode(404);
    }

    @Test
    void aRevokedKeyStopsWorkingAtOnce() {
        Response created = admin().body(Map.of("label", "leaving", "role", "admin")).post("/api/members");
        String memberKey = created.path("key");
        String memberId = created.path("member.id");
        as(memberKey).get("/api/servers").then().statusCode(200);
        as(memberKey).delete("/api/members/" + memberId).then().statusCode(200).body("revoked_at",
                org.hamcrest.Matchers.notNullValue());
        as(memberKey).get("/api/servers").then().statusCode(401);
        admin().delete("/api/members/" + memberId).then().statusCode(409);
    }

    @Test
    void malformedAuthorizationHeadersAre401() {
        for (String header : List.of("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", Api.BOOTSTRAP)) {
            io.restassured.RestAssured.given().header("Authorization", header).get("/api/servers").then()
                    .statusCode(401).header("WWW-Authenticate", "Bearer realm=\"warden-policy\"");
        }
    }

    /** Only here for {@link #malformedAuthorizationHeadersAre401()}: the raw key without the scheme. */
    private static final class Api {
        static final String BOOTSTRAP = io.warden.policyservice.testing.Api.BOOTSTRAP;
    }
}
