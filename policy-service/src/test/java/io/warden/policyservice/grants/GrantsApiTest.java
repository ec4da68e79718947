package io.warden.policyservice.grants;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.createPolicy;
import static io.warden.policyservice.testing.Api.createServer;
import static io.warden.policyservice.testing.Api.key;
import static io.warden.policyservice.testing.Api.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class GrantsApiTest {
    PostgresServer postgres;

    /** The gateway's format, computed independently: "sha256:" + lowercase hex of SHA-256 over the UTF-8 bytes. */
    private static String gatewayHash(String token) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    private String storedHash(String grantId) {
        return postgres.psql("warden", "SELECT token_hash FROM grants WHERE id = '" + grantId + "'");
    }

    @Test
    void aTokenIsShownOnceAndOnlyItsGatewayFormatHashIsStored() throws Exception {
        String server = createServer(unique("gs"));
        String policy = createPolicy(unique("gp"));
        String id = unique("grant");
        Instant expiry = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Response minted = admin().body(Map.of("id", id, "label", "CI bot", "server", server, "policy", policy,
                "tags", Map.of("team", "platform"), "expires_at", expiry.toString())).post("/api/grants");
        minted.then().statusCode(201).body("grant.id", equalTo(id)).body("grant.server", equalTo(server))
                .body("grant.policy", equalTo(policy)).body("grant.tags.team", equalTo("platform"))
                .body("grant.state", equalTo("active")).body("grant.expires_at", equalTo(expiry.toString()));
        String token = minted.path("token");
        assertTrue(token.matches("wdn_[A-Za-z0-9_-]{43}"), "gateway token shape");
        assertEquals(gatewayHash(token), storedHash(id));
        assertEquals(io.warden.api.GrantTokens.hash(token), storedHash(id));

        for (String key : new String[] {io.warden.policyservice.testing.Api.BOOTSTRAP, key("viewer")}) {
            String one = as(key).get("/api/grants/" + id).then().statusCode(200).body("id", equalTo(id))
                    .extract().asString();
            String all = as(key).get("/api/grants").then().statusCode(200).body("id", hasItem(id))
                    .extract().asString();
            for (String body : new String[] {one, all}) {
                assertFalse(body.contains(token), "token never returned again");
                assertFalse(body.contains(storedHash(id).substring(7)), "nor its hash");
                assertFalse(body.contains("token"), "no token field at all: " + body);
            }
        }
        String audit = admin().get("/api/audit?entity_id=" + id).then().statusCode(200).extract().asString();
        assertFalse(audit.contains(token) || audit.contains(storedHash(id).substring(7)), audit);
    }

    @Test
    void rotationReturnsANewTokenOnceAndReplacesTheHash() throws Exception {
        String id = io.warden.policyservice.testing.Api.mintGrant(unique("rot")).get(0);
        String before = storedHash(id);
        Response rotated = admin().post("/api/grants/" + id + "/rotate");
        rotated.then().statusCode(200).body("grant.rotated_at", not(nullValue()));
        String token = rotated.path("token");
        assertNotEquals(before, storedHash(id));
        assertEquals(gatewayHash(token), storedHash(id));
        assertFalse(admin().get("/api/grants/" + id).asString().contains(token));
    }

    @Test
    void revokeIsFinal() {
        String id = io.warden.policyservice.testing.Api.mintGrant(unique("rev")).get(0);
        admin().post("/api/grants/" + id + "/revoke").then().statusCode(200).body("state", equalTo("revoked"))
                .body("revoked_at", not(nullValue()));
        admin().post("/api/grants/" + id + "/revoke").then().statusCode(409).contentType("application/problem+json");
        admin().post("/api/grants/" + id + "/rotate").then().statusCode(409);
        admin().body(Map.of("policy", createPolicy(unique("p")))).put("/api/grants/" + id + "/policy")
                .then().statusCode(409);
    }

    @Test
    void aPolicyManagerAttachesAndDetachesPolicies() {
        String id = io.warden.policyservice.testing.Api.mintGrant(unique("att")).get(0);
        String policy = createPolicy(unique("p"));
        as(key("policy_manager")).body(Map.of("policy", policy)).put("/api/grants/" + id + "/policy")
                .then().statusCode(200).body("policy", equalTo(policy));
        assertEquals(policy, postgres.psql("warden", "SELECT policy_name FROM grants WHERE id = '" + id + "'"));
        Map<String, Object> detach = new HashMap<>();
        detach.put("policy", null);
        as(key("policy_manager")).body(detach).put("/api/grants/" + id + "/policy").then().statusCode(200)
                .body("policy", nullValue());
        as(key("policy_manager")).body(Map.of("policy", "no-such-policy")).put("/api/grants/" + id + "/policy")
                .then().statusCode(422).body("errors[0].pointer", equalTo("/policy"))
                .body("errors[0].message", equalTo("no policy 'no-such-policy'"));
    }

    @Test
    void unknownReferencesAndBadFieldsAreReportedTogetherWithPointers() {
        String id = unique("bad");
        admin().body(Map.of("id", id, "label", "L", "server", "no-such-server", "policy", "no-such-policy"))
                .post("/api/grants").then().statusCode(422).contentType("application/problem+json")
                .body("errors.pointer", org.hamcrest.Matchers.contains("/server", "/policy"));
        admin().body(Map.of("id", "bad id!", "label", " ", "tags", Map.of("bad key", "v"),
                        "expires_at", "2000-01-01T00:00:00Z"))
                .post("/api/grants").then().statusCode(422)
                .body("errors.pointer", org.hamcrest.Matchers.containsInAnyOrder("/id", "/label", "/server",
                        "/tags/bad key", "/expires_at"));
        assertEquals("0", postgres.psql("warden", "SELECT count(*) FROM grants WHERE id = '" + id + "'"));
        admin().get("/api/grants/" + id).then().statusCode(404).body("type", equalTo("urn:warden:problem:not-found"));
        admin().get("/api/grants?server=" + "x".repeat(300)).then().statusCode(400).body("type", equalTo("urn:warden:problem:bad-parameter"));
    }

    @Test
    void aDuplicateIdIs409AndKeepsTheFirstGrant() {
        String id = io.warden.policyservice.testing.Api.mintGrant(unique("dup")).get(0);
        String hash = storedHash(id);
        admin().body(Map.of("id", id, "label", "again", "server", createServer(unique("s"))))
                .post("/api/grants").then().statusCode(409).body("type", equalTo("urn:warden:problem:duplicate"));
        assertEquals(hash, storedHash(id));
        assertEquals("Grant " + id, postgres.psql("warden", "SELECT label FROM grants WHERE id = '" + id + "'"));
    }
}
