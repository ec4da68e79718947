package io.warden.policyservice.web;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A client's mistakes: each a 4xx problem document naming what is wrong, and nothing written. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class BadInputTest {
    PostgresServer postgres;

    private static ValidatableResponse problem(ValidatableResponse response, int status, String slug) {
        return response.statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:warden:problem:" + slug)).body("status", equalTo(status))
                .body("title", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
    }

    private String servers(String id) {
        return postgres.psql("warden", "SELECT count(*) FROM servers WHERE id = '" + id + "'")
                + postgres.psql("warden", "SELECT count(*) FROM admin_audit WHERE entity_id = '" + id + "'");
    }

    @Test
    void malformedJson() {
        String id = unique("mal");
        problem(admin().body("{\"id\": \"" + id + "\", \"name\": ").post("/api/servers").then(), 400,
                "malformed-request").body("errors[0].pointer", equalTo(""));
        problem(admin().body("{\"id\": \"" + id + "\"} trailing").post("/api/servers").then(), 400, "malformed-request");
        problem(admin().body("[1, 2]").post("/api/servers").then(), 400, "malformed-request");
        problem(admin().body("").post("/api/servers").then(), 400, "malformed-request");
        assertEquals("00", servers(id));
    }

    @Test
    void unknownFieldsAreRefusedWithTheirPointer() {
        String id = unique("unk");
        problem(admin().body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp", "secret_mode", true))
                .post("/api/servers").then(), 400, "malformed-request")
                .body("errors[0].pointer", equalTo("/secret_mode")).body("errors[0].message", equalTo("unknown field"));
        problem(admin().body(Map.of("label", "x", "role", "viewer", "admin", true)).post("/api/members").then(), 400,
                "malformed-request").body("errors[0].pointer", equalTo("/admin"));
        assertEquals("00", servers(id));
    }

    @Test
    void wrongTypesAreRefusedWithTheirPointer() {
        String id = unique("typ");
        problem(admin().body(Map.of("id", id, "name", 5, "url", "http://127.0.0.1:9/mcp")).post("/api/servers").then(),
                400, "malformed-request").body("errors[0].pointer", equalTo("/name"));
        problem(admin().body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp", "headers", "X: y"))
                .post("/api/servers").then(), 400, "malformed-request").body("errors[0].pointer", equalTo("/headers"));
        problem(admin().body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp",
                "headers", Map.of("X-Key", 42))).post("/api/servers").then(), 400, "malformed-request")
                .body("errors[0].pointer", equalTo("/headers/X-Key"));
        problem(admin().body(Map.of("id", id, "label", "L", "server", "s", "expires_at", "tomorrow"))
                .post("/api/grants").then(), 400, "malformed-request").body("errors[0].pointer", equalTo("/expires_at"));
        problem(admin().body(Map.of("version", "1")).post("/api/policies/x/rollback").then(), 400, "malformed-request")
                .body("errors[0].pointer", equalTo("/version"));
        assertEquals("00", servers(id));
    }

    @Test
    void invalidFieldsAreListedTogether() {
        String id = unique("inv");
        problem(admin().body(Map.of("id", id, "name", "", "url", "ftp://x/", "era", "future",
                        "headers", Map.of("Host", "evil", "X-Ok", "line\r\nbreak")))
                .post("/api/servers").then(), 422, "validation")
                .body("errors.pointer", org.hamcrest.Matchers.containsInAnyOrder("/name", "/url", "/era",
                        "/headers/Host", "/headers/X-Ok"));
        problem(admin().body(Map.of("id", id, "name", "N", "url", "https://user:pw@host/mcp")).post("/api/servers")
                .then(), 422, "validation").body("errors[0].message", startsWith("must not carry credentials"));
        problem(admin().body(Map.of("label", "x", "role", "root")).post("/api/members").then(), 422, "validation")
                .body("errors[0].pointer", equalTo("/role"));
        assertEquals("00", servers(id));
    }

    @Test
    void duplicateIdsAre409AndKeepTheOriginal() {
        String id = unique("dup");
        admin().body(Map.of("id", id, "name", "First", "url", "http://127.0.0.1:9/mcp",
                "headers", Map.of("X-Key", "first"))).post("/api/servers").then().statusCode(201);
        problem(admin().body(Map.of("id", id, "name", "Second", "url", "http://127.0.0.1:9/mcp",
                "headers", Map.of("X-Key", "second", "X-More", "more"))).post("/api/servers").then(), 409, "duplicate");
        admin().get("/api/servers/" + id).then().body("name", equalTo("First"))
                .body("headers.keySet()", org.hamcrest.Matchers.contains("X-Key"));
        assertEquals("1", postgres.psql("warden", "SELECT count(*) FROM server_headers WHERE server_id = '" + id + "'"));
    }

    @Test
    void unknownIdsAre404() {
        problem(admin().get("/api/servers/nope").then(), 404, "not-found");
        problem(admin().body(Map.of("name", "x")).patch("/api/servers/nope").then(), 404, "not-found");
        problem(admin().delete("/api/servers/nope").then(), 404, "not-found");
        problem(admin().post("/api/grants/nope/rotate").then(), 404, "not-found");
        problem(admin().get("/api/members/nope").then(), 404, "not-found");
        admin().get("/api/no-such-endpoint").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void oversizedBodiesAre413AndNothingIsWritten() {
        String id = unique("big");
        String huge = "x".repeat(70_000); // the test profile allows 65,536 bytes
        problem(admin().body(Map.of("id", id, "name", "N", "url", "http://127.0.0.1:9/mcp",
                "headers", Map.of("X-Big", huge))).post("/api/servers").then(), 413, "too-large");
        problem(admin().body("{\"version\": \"1\", \"default\": \"deny\", \"description\": \"" + huge + "\"}")
                .post("/api/policies/" + id).then(), 413, "too-large");
        assertEquals("00", servers(id));
        assertEquals("0", postgres.psql("warden", "SELECT count(*) FROM policies WHERE name = '" + id + "'"));
    }

    @Test
    void badQueryParametersAre400() {
        problem(admin().get("/api/audit?limit=zero").then(), 400, "bad-parameter");
        problem(admin().get("/api/audit?limit=100000").then(), 400, "bad-parameter");
        problem(admin().get("/api/audit?since=yesterday").then(), 400, "bad-parameter")
                .body("detail", startsWith("query parameter 'since'"));
    }

    @Test
    void wrongMethodsAndMediaTypesAre4xxProblems() {
        admin().put("/api/servers").then().statusCode(405).contentType("application/problem+json");
        admin().contentType("text/plain").body("id=x").post("/api/servers").then().statusCode(415)
                .contentType("application/problem+json");
    }
}
