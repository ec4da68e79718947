package io.warden.policyservice.imports;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.warden.api.GrantTokens;
import io.warden.policyservice.servers.ServerService;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POST /api/import: a standalone warden.yaml into the store, all or nothing. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class ImportApiTest {
    PostgresServer postgres;

    @Inject
    ServerService servers;

    /** A file with two servers, two grants and two policies, every id made unique by {@code p}. */
    private static String file(String p, String token1, String token2, String readDefault) {
        return """
                servers:
                  - {id: %1$s-a, name: Alpha, url: "http://127.0.0.1:9/mcp", era: dual, http2: true, headers: {X-Api-Key: alpha-secret}}
                  - {id: %1$s-b, url: "http://127.0.0.1:9/other"}
                grants:
                  - {id: %1$s-g1, label: Agent one, server: %1$s-a, token_hash: "%2$s", policy: %1$s-read, tags: {team: x}}
                  - {id: %1$s-g2, server: %1$s-b, token_hash: "%3$s"}
                policies:
                  %1$s-read: {version: "1", default: %4$s, tools: {echo: {}}}
                  %1$s-open: {version: "1", default: allow}
                """.formatted(p, GrantTokens.hash(token1), GrantTokens.hash(token2), readDefault);
    }

    private static RequestSpecification yaml(RequestSpecification spec, String body) {
        return spec.contentType("application/yaml").body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String slug) {
        return response.statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:warden:problem:" + slug)).body("status", equalTo(status));
    }

    private String count(String table, String column, String prefix) {
        return postgres.psql("warden", "SELECT count(*) FROM " + table + " WHERE " + column + " LIKE '" + prefix + "-%'");
    }

    private String written(String p) {
        return count("servers", "id", p) + count("grants", "id", p) + count("policies", "name", p)
                + postgres.psql("warden", "SELECT count(*) FROM admin_audit WHERE action = 'import'"
                + " AND after::text LIKE '%" + p + "-%'");
    }

    @Test
    void loadsServersGrantsAndPoliciesKeepingTokenHashes() {
        String p = unique("imp");
        String token = GrantTokens.mint();
        yaml(admin(), file(p, token, GrantTokens.mint(), "deny")).post("/api/import").then().statusCode(201)
                .body("mode", equalTo("create"))
                .body("created.servers", containsInAnyOrder(p + "-a", p + "-b"))
                .body("created.grants", containsInAnyOrder(p + "-g1", p + "-g2"))
                .body("created.policies", containsInAnyOrder(p + "-read", p + "-open"))
                .body("revision", org.hamcrest.Matchers.greaterThan(0))
                .body(not(containsString("alpha-secret"))).body(not(containsString("sha256:")));

        admin().get("/api/servers/" + p + "-a").then().statusCode(200).body("name", equalTo("Alpha"))
                .body("era", equalTo("dual")).body("http2", equalTo(true))
                .body("headers.X-Api-Key", equalTo("********"));
        assertEquals(Map.of("X-Api-Key", "alpha-secret"), Map.copyOf(servers.upstreamHeaders(p + "-a")));
        admin().get("/api/servers/" + p + "-b").then().statusCode(200).body("name", equalTo(p + "-b"))
                .body("http2", equalTo(false));
        admin().get("/api/grants/" + p + "-g1").then().statusCode(200).body("label", equalTo("Agent one"))
                .body("policy", equalTo(p + "-read")).body("tags.team", equalTo("x")).body("state", equalTo("active"));
        // The agent's token still opens the grant: its hash moved as it was.
        assertEquals(GrantTokens.hash(token),
                postgres.psql("warden", "SELECT token_hash FROM grants WHERE id = '" + p + "-g1'"));
        admin().get("/api/policies/" + p + "-read").then().statusCode(200).body("version", equalTo(1))
                .body("document.default", equalTo("deny"));
        // Header values are sealed at rest, never in clear.
        assertFalse(postgres.psql("warden", "SELECT string_agg(ciphertext, ',') FROM server_headers WHERE server_id = '"
                + p + "-a'").contains("alpha-secret"));
        admin().queryParam("entity_type", "import").get("/api/audit").then().statusCode(200)
                .body("action", hasItem("import")).body(not(containsString("alpha-secret")));
        // Each entity became a change for the gateways.
        assertEquals("6", postgres.psql("warden", "SELECT count(*) FROM changes WHERE entity_id LIKE '" + p + "-%'"));
    }

    @Test
    void jsonBodiesAreAcceptedToo() {
        String p = unique("json");
        String body = """
                {"servers": [{"id": "%1$s-a", "url": "http://127.0.0.1:9/mcp"}],
                 "grants": [{"id": "%1$s-g", "server": "%1$s-a", "token_hash": "%2$s"}]}
                """.formatted(p, GrantTokens.hash(GrantTokens.mint()));
        admin().body(body).post("/api/import").then().statusCode(201).body("created.grants", hasItem(p + "-g"));
    }

    @Test
    void conflictsAreListedAndNothingIsWritten() {
        String p = unique("dup");
        String t1 = GrantTokens.mint();
        String t2 = GrantTokens.mint();
        yaml(admin(), file(p, t1, t2, "deny")).post("/api/import").then().statusCode(201);
        String before = written(p);

        // The same file again: every id collides, and each is named.
        problem(yaml(admin(), file(p, t1, t2, "deny")).post("/api/import").then(), 409, "import-conflict")
                .body("errors.pointer", containsInAnyOrder("/servers/0/id", "/servers/1/id", "/grants/0/id",
                        "/grants/1/id", "/policies/" + p + "-read", "/policies/" + p + "-open"));

        // A new server and a new policy beside one existing grant token: the new ones are not written either.
        String q = unique("half");
        String mixed = """
                servers: [{id: %1$s-new, url: "http://127.0.0.1:9/mcp"}]
                grants: [{id: %1$s-g, server: %1$s-new, token_hash: "%2$s"}]
                policies: {%1$s-p: {version: "1", default: allow}}
                """.formatted(q, GrantTokens.hash(t1));
        problem(yaml(admin(), mixed).post("/api/import").then(), 409, "import-conflict")
                .body("errors[0].pointer", equalTo("/grants/0/token_hash"))
                .body("errors[0].message", containsString(p + "-g1"))
                .body(not(containsString(GrantTokens.hash(t1))));
        assertEquals("0000", written(q));
        assertEquals(before, written(p));
    }

    @Test
    void replaceOverwritesAndVersionsPolicies() {
        String p = unique("rep");
        String t1 = GrantTokens.mint();
        yaml(admin(), file(p, t1, GrantTokens.mint(), "deny")).post("/api/import").then().statusCode(201);
        String t1b = GrantTokens.mint();
        String changed = file(p, t1b, GrantTokens.mint(), "allow").replace("alpha-secret", "alpha-rotated")
                .replace("http2: true", "http2: false");
        yaml(admin(), changed).queryParam("mode", "replace").post("/api/import").then().statusCode(201)
                .body("mode", equalTo("replace"))
                .body("replaced.policies", hasItem(p + "-read")).body("unchanged.policies", hasItem(p + "-open"))
                .body("replaced.servers", hasItem(p + "-a")).body("replaced.grants", hasItem(p + "-g1"));
        admin().get("/api/policies/" + p + "-read").then().statusCode(200).body("version", equalTo(2))
                .body("document.default", equalTo("allow"));
        assertEquals(Map.of("X-Api-Key", "alpha-rotated"), Map.copyOf(servers.upstreamHeaders(p + "-a")));
        admin().get("/api/servers/" + p + "-a").then().statusCode(200).body("http2", equalTo(false));
        assertEquals(GrantTokens.hash(t1b),
                postgres.psql("warden", "SELECT token_hash FROM grants WHERE id = '" + p + "-g1'"));

        problem(yaml(admin(), changed).queryParam("mode", "merge").post("/api/import").then(), 400, "bad-parameter");
    }

    @Test
    void badFilesAreProblemsWithPointersAndWriteNothing() {
        String p = unique("bad");
        problem(yaml(admin(), "servers: [unclosed").post("/api/import").then(), 400, "malformed-request");
        problem(yaml(admin(), "").post("/api/import").then(), 400, "malformed-request");
        problem(yaml(admin(), "policies:\n  x: {version: \"1\", default: allow}\n  x: {version: \"1\", default: deny}\n")
                .post("/api/import").then(), 400, "malformed-request");
        problem(yaml(admin(), "- just\n- a list\n").post("/api/import").then(), 422, "validation");

        String bad = """
                servers:
                  - {id: %1$s-a, url: "http://user:pw@127.0.0.1:9/mcp", surprise: 1}
                  - {id: %2$s, url: "http://127.0.0.1:9/mcp", headers: {X-Key: "${API_KEY}"}}
                  - {id: %1$s-c, url: "http://127.0.0.1:9/mcp", categories: {run: execute}}
                grants:
                  - {id: %1$s-g, server: %1$s-a, token_hash: "sha256:nothex", policy: %1$s-p}
                policies:
                  %1$s-p: {version: "1", default: maybe}
                """.formatted(p, p + "-" + "x".repeat(70));
        problem(yaml(admin(), bad).post("/api/import").then(), 422, "validation")
                .body("errors.pointer", hasItem("/servers/0/surprise"))
                .body("errors.pointer", hasItem("/servers/1/headers/X-Key"))
                .body("errors.pointer", hasItem("/grants/0/token_hash"))
                .body("errors.pointer", hasItem("/policies/" + p + "-p/default"))
                .body(not(containsString("pw@")));

        // Only the store's own rules fail here: an id too long for a URL, credentials in a URL, pinned categories.
        String storeRules = """
                servers:
                  - {id: %1$s-a, url: "http://user:pw@127.0.0.1:9/mcp"}
                  - {id: %2$s, url: "http://127.0.0.1:9/mcp"}
                  - {id: %1$s-c, url: "http://127.0.0.1:9/mcp", categories: {run: execute}}
                """.formatted(p, p + "-" + "x".repeat(70));
        problem(yaml(admin(), storeRules).post("/api/import").then(), 422, "validation")
                .body("errors.pointer", containsInAnyOrder("/servers/0/url", "/servers/1/id", "/servers/2/categories"));
        assertEquals("0000", written(p));
    }

    @Test
    void onlyAdminsImport() {
        String p = unique("role");
        String body = file(p, GrantTokens.mint(), GrantTokens.mint(), "deny");
        problem(yaml(as(null), body).post("/api/import").then(), 401, "unauthorized");
        problem(yaml(as(key("viewer")), body).post("/api/import").then(), 403, "forbidden");
        problem(yaml(as(key("policy_manager")), body).post("/api/import").then(), 403, "forbidden");
        assertEquals("0000", written(p));
    }

    @Test
    void anOversizedFileIsRefusedBeforeItIsRead() {
        String big = "servers: []\n#" + "x".repeat(70_000) + "\n";
        problem(yaml(admin(), big).post("/api/import").then(), 413, "too-large");
    }
}
