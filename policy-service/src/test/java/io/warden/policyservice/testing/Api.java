package io.warden.policyservice.testing;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Calls the admin API of the running test service as one role or another. */
public final class Api {
    /** {@code %test.warden.policy.bootstrap-admin-key} in application.properties. */
    public static final String BOOTSTRAP = "test-bootstrap-admin-key-0123456789";
    public static final String POLICY = "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"echo\": {}}}";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Map<String, String> KEYS = new HashMap<>();

    private Api() {
    }

    public static RequestSpecification as(String key) {
        RequestSpecification spec = given().contentType(ContentType.JSON);
        return key == null ? spec : spec.header("Authorization", "Bearer " + key);
    }

    public static RequestSpecification admin() {
        return as(BOOTSTRAP);
    }

    /** A unique id for this JVM's test run. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** An API key with the role, created once per running service (by the bootstrap admin). */
    public static synchronized String key(String role) {
        return KEYS.computeIfAbsent(role + "@" + RestAssured.port, k -> admin()
                .body(Map.of("label", "test " + role, "role", role))
                .post("/api/members").then().statusCode(201).extract().path("key"));
    }

    public static String createServer(String id) {
        admin().body(Map.of("id", id, "name", "Server " + id, "url", "http://127.0.0.1:9/mcp"))
                .post("/api/servers").then().statusCode(201);
        return id;
    }

    public static String createPolicy(String name) {
        admin().body(POLICY).post("/api/policies/" + name).then().statusCode(201);
        return name;
    }

    /** Mints a grant on a new server; returns {grant id, token}. */
    public static List<String> mintGrant(String id) {
        String server = createServer(unique("srv"));
        String token = admin().body(Map.of("id", id, "label", "Grant " + id, "server", server))
                .post("/api/grants").then().statusCode(201).extract().path("token");
        return List.of(id, token);
    }
}
