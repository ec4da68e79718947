package io.warden.policyservice.servers;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.crypto.Keyring;
import io.warden.policyservice.crypto.SecretCipher;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class ServersApiTest {
    PostgresServer postgres;

    @Inject
    ServerService service;

    @ConfigProperty(name = "warden.policy.crypto.keys.v1")
    String keyV1;

    @Test
    void createReadListUpdateDelete() {
        String id = unique("crud");
        admin().body(Map.of("id", id, "name", "Everything", "url", "http://127.0.0.1:3101/mcp", "era", "dual",
                        "headers", Map.of("X-Api-Key", "s3cret-value")))
                .post("/api/servers").then().statusCode(201)
                .body("id", equalTo(id)).body("era", equalTo("dual"))
                .body("headers.X-Api-Key", equalTo(ServerView.MASK))
                .body("created_at", org.hamcrest.Matchers.notNullValue());

        admin().get("/api/servers/" + id).then().statusCode(200).body("name", equalTo("Everything"))
                .body("url", equalTo("http://127.0.0.1:3101/mcp"));
        admin().get("/api/servers").then().statusCode(200).body("id", hasItem(id));

        Map<String, Object> patch = new HashMap<>();
        patch.put("name", "Renamed");
        patch.put("headers", Map.of("X-Other", "other-secret"));
        admin().body(patch).patch("/api/servers/" + id).then().statusCode(200)
                .body("name", equalTo("Renamed")).body("era", equalTo("dual"))
                .body("headers.X-Api-Key", equalTo(ServerView.MASK)).body("headers.X-Other", equalTo(ServerView.MASK));
        assertEquals(Map.of("X-Api-Key", "s3cret-value", "X-Other", "other-secret"),
                Map.copyOf(service.upstreamHeaders(id)), "untouched header kept, new one added");

        Map<String, Object> remove = new HashMap<>();
        remove.put("x-api-key", null);
        admin().body(Map.of("headers", remove)).patch("/api/servers/" + id).then().statusCode(200)
                .body("headers", not(org.hamcrest.Matchers.hasKey("X-Api-Key")));

        admin().delete("/api/servers/" + id).then().statusCode(204);
        admin().get("/api/servers/" + id).then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        assertEquals("0", postgres.psql("warden", "SELECT count(*) FROM server_headers WHERE server_id = '" + id + "'"));
    }

    @Test
    void http2IsStoredPatchedAndMustBeABoolean() {
        String id = unique("h2");
        admin().body(Map.of("id", id, "name", "H2", "url", "http://127.0.0.1:9/mcp", "http2", true))
                .post("/api/servers").then().statusCode(201).body("http2", equalTo(true));
        admin().get("/api/servers/" + id).then().statusCode(200).body("http2", equalTo(true));
        // A patch without the field keeps it; one with it sets it.
        admin().body(Map.of("name", "Renamed")).patch("/api/servers/" + id).then().statusCode(200)
                .body("http2", equalTo(true));
        admin().body(Map.of("http2", false)).patch("/api/servers/" + id).then().statusCode(200)
                .body("http2", equalTo(false)).body("name", equalTo("Renamed"));
        assertEquals("f", postgres.psql("warden", "SELECT http2 FROM servers WHERE id = '" + id + "'"));

        admin().body(Map.of("http2", "yes")).patch("/api/servers/" + id).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].pointer", equalTo("/http2"));
        String other = unique("h2bad");
        admin().body(Map.of("id", other, "name", "B", "url", "http://127.0.0.1:9/mcp", "http2", "yes"))
                .post("/api/servers").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].pointer", equalTo("/http2"));
        admin().get("/api/servers/" + other).then().statusCode(404);
        admin().get("/api/servers/" + id).then().statusCode(200).body("http2", equalTo(false));
    }

    @Test
    void eraDefaultsToAutoAndUrlQueryValuesAreMasked() {
        String id = unique("mask");
        admin().body(Map.of("id", id, "name", "Q", "url", "https://mcp.example.com/mcp?api_key=query-secret&v=2"))
                .post("/api/servers").then().statusCode(201).body("era", equalTo("auto")).body("http2", equalTo(false))
                .body("url", equalTo("https://mcp.example.com/mcp?api_key=" + ServerView.MASK + "&v=" + ServerView.MASK));
    }

    @Test
    void headerValuesAreStoredEncryptedWithTheActiveKeyAndDecryptBack() {
        String id = unique("enc");
        admin().body(Map.of("id", id, "name", "E", "url", "http://127.0.0.1:9/mcp",
                "headers", Map.of("Authorization", "Bearer upstream-credential-42"))).post("/api/servers")
                .then().statusCode(201);
        String row = postgres.psql("warden", "SELECT key_version || '|' || ciphertext FROM server_headers"
                + " WHERE server_id = '" + id + "'");
        assertTrue(row.startsWith("v2|v2:"), "sealed with the active key v2: " + row.substring(0, 6));
        assertFalse(row.contains("upstream-credential-42"));
        assertEquals("Bearer upstream-credential-42", service.upstreamHeaders(id).get("authorization"));
    }

    @Test
    void reEncryptionMovesRowsSealedWithARetiredKeyToTheActiveOne() {
        String id = unique("rot");
        admin().body(Map.of("id", id, "name", "R", "url", "http://127.0.0.1:9/mcp")).post("/api/servers")
                .then().statusCode(201);
        // a row written while v1 was the active key
        Keyring old = Keyring.of(Map.of("v1", keyV1), "v1");
        String sealed = old.encrypt("rotated-secret", SecretCipher.headerContext(id, "X-Key"));
        postgres.psql("warden", "INSERT INTO server_headers VALUES ('" + id + "', 'X-Key', '" + sealed + "', 'v1')");
        assertEquals("rotated-secret", service.upstreamHeaders(id).get("X-Key"), "old rows still decrypt");

        admin().post("/api/admin/re-encrypt").then().statusCode(200)
                .body("active_key_version", equalTo("v2")).body("from_versions.v1", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
        String row = postgres.psql("warden", "SELECT key_version || '|' || ciphertext FROM server_headers"
                + " WHERE server_id = '" + id + "'");
        assertTrue(row.startsWith("v2|v2:"), row.substring(0, 6));
        assertEquals("rotated-secret", service.upstreamHeaders(id).get("X-Key"));
        assertThrows(IllegalStateException.class, () -> old.decrypt(row.substring(3),
                SecretCipher.headerContext(id, "X-Key")), "v1 alone no longer opens it");
        assertEquals("0", postgres.psql("warden", "SELECT count(*) FROM server_headers WHERE key_version <> 'v2'"));
        admin().post("/api/admin/re-encrypt").then().statusCode(200).body("reencrypted", equalTo(0));
    }

    @Test
    void aServerWithActiveGrantsIsKeptAndGoesOnceTheyAreRevoked() {
        String id = unique("busy");
        io.warden.policyservice.testing.Api.createServer(id);
        String grant = unique("g");
        admin().body(Map.of("id", grant, "label", "L", "server", id)).post("/api/grants").then().statusCode(201);
        admin().delete("/api/servers/" + id).then().statusCode(409).contentType("application/problem+json")
                .body("detail", equalTo("server '" + id + "' still has 1 active grant; revoke them first"));
        admin().get("/api/servers/" + id).then().statusCode(200);

        admin().post("/api/grants/" + grant + "/revoke").then().statusCode(200);
        admin().delete("/api/servers/" + id).then().statusCode(204);
        admin().get("/api/grants/" + grant).then().statusCode(404);
        admin().get("/api/audit?entity_type=grant&entity_id=" + grant).then()
                .body("action", org.hamcrest.Matchers.contains("delete", "revoke", "mint"));
    }
}
