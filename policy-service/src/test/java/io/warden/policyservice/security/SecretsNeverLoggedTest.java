package io.warden.policyservice.security;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.unique;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.postgres.PostgresResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Plants a header value, a URL query credential, a grant token and an API key, drives them through successful and
 * failing calls, then searches the service's whole log output (file handler of the test profile, access log on,
 * io.warden at DEBUG) for any of them.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class SecretsNeverLoggedTest {
    private static final Path LOG = Path.of("target/policy-service-test.log");

    private static String since(long offset) throws java.io.IOException {
        byte[] all = Files.readAllBytes(LOG);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void noSecretReachesTheLog() throws Exception {
        long from = Files.exists(LOG) ? Files.size(LOG) : 0; // the file outlives runs: read only this test's part
        String id = unique("logged") + "-" + System.nanoTime();
        String headerSecret = "planted-header-" + id;
        String querySecret = "planted-query-" + id;
        admin().body(Map.of("id", id, "name", "Log", "url", "http://127.0.0.1:9/mcp?token=" + querySecret,
                "headers", Map.of("Authorization", "Bearer " + headerSecret))).post("/api/servers")
                .then().statusCode(201);
        // failing calls that carry the secrets too
        admin().body(Map.of("id", id, "name", "Log", "url", "http://127.0.0.1:9/mcp?token=" + querySecret,
                "headers", Map.of("Authorization", "Bearer " + headerSecret))).post("/api/servers")
                .then().statusCode(409);
        admin().body(Map.of("headers", Map.of("Host", headerSecret))).patch("/api/servers/" + id).then().statusCode(422);
        admin().body("{\"headers\": {\"X\": \"" + headerSecret + "\"").patch("/api/servers/" + id).then().statusCode(400);

        String token = admin().body(Map.of("id", id, "label", "L", "server", id)).post("/api/grants").then()
                .statusCode(201).extract().path("token");
        String rotated = admin().post("/api/grants/" + id + "/rotate").then().statusCode(200).extract().path("token");
        String apiKey = admin().body(Map.of("label", "k", "role", "viewer")).post("/api/members").then()
                .statusCode(201).extract().path("key");
        as(apiKey).get("/api/servers/" + id).then().statusCode(200);
        as(apiKey + "x").get("/api/servers").then().statusCode(401);
        as(token).get("/api/servers").then().statusCode(401);
        admin().post("/api/admin/re-encrypt").then().statusCode(200);

        // the file handler writes as records arrive; wait for the last change's line to prove we read live output
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(LOG)
                && since(from).contains("grant " + id + " rotate by bootstrap-admin"));
        String log = since(from);
        for (String secret : List.of(headerSecret, querySecret, token, rotated, apiKey,
                token.substring(4), apiKey.substring(4), io.warden.policyservice.testing.Api.BOOTSTRAP,
                "test-gateway-key-0123456789abcdef")) {
            assertFalse(log.contains(secret), "a secret reached the log: " + secret.substring(0, 10) + "…");
        }
    }
}
