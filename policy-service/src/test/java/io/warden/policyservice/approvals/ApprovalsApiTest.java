package io.warden.policyservice.approvals;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.as;
import static io.warden.policyservice.testing.Api.key;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.policyservice.testing.Api;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operators' API for approvals: each endpoint, each role, bad input, and decisions racing each other. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
@QuarkusTestResource(WebhookReceiver.class)
class ApprovalsApiTest {
    private static final String PROBLEM = "application/problem+json";
    PostgresServer postgres;
    private Gateway gateway;

    @BeforeEach
    void connect() {
        gateway = new Gateway(RestAssured.port, Gateway.KEY);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        gateway.close();
    }

    private Approval pending() {
        return gateway.stub().request(Gateway.call().build());
    }

    @Test
    void everyoneSeesWhatWaitsButOnlyApproversSeeArgumentValues() {
        Approval a = pending();
        String path = "/api/approvals/" + a.getId();
        as(key("viewer")).get(path).then().statusCode(200)
                .body("id", equalTo(a.getId())).body("state", equalTo("pending"))
                .body("tool", equalTo("delete_file")).body("server", equalTo("files"))
                .body("grant_id", equalTo(a.getGrantId())).body("grant_label", equalTo("Test agent"))
                .body("argument_keys", equalTo(List.of("path", "recursive")))
                .body("rule", equalTo("delete_*")).body("reason", equalTo("deletes files"))
                .body("policy_id", equalTo("prod")).body("policy_version", equalTo(3))
                .body("approver", equalTo("operator")).body("requested_at", not(nullValue()))
                .body("expires_at", not(nullValue()))
                .body("$", not(org.hamcrest.Matchers.hasKey("arguments")));
        String viewerList = as(key("viewer")).queryParam("state", "pending").get("/api/approvals")
                .then().statusCode(200).body("id", hasItem(a.getId())).extract().asString();
        assertFalse(viewerList.contains("secret-report"), "a viewer never sees argument values");

        for (String approver : List.of(key("policy_manager"), Api.BOOTSTRAP)) {
            as(approver).get(path).then().statusCode(200)
                    .body("arguments.path", equalTo("/srv/secret-report.pdf"))
                    .body("arguments.recursive", equalTo(true));
            as(approver).queryParam("state", "pending").get("/api/approvals").then().statusCode(200)
                    .body("find { it.id == '" + a.getId() + "' }.arguments.path", equalTo("/srv/secret-report.pdf"));
        }
        // list filters
        admin().queryParam("grant", a.getGrantId()).get("/api/approvals").then().statusCode(200)
                .body("size()", equalTo(1));
        admin().queryParam("state", "used").queryParam("grant", a.getGrantId()).get("/api/approvals")
                .then().statusCode(200).body("size()", equalTo(0));
        admin().queryParam("limit", "1").get("/api/approvals").then().statusCode(200).body("size()", equalTo(1));
    }

    static double pendingGauge() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith("warden_approvals_pending "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(Double.NaN);
    }

    static int listedPending() {
        return admin().queryParam("state", "pending").queryParam("limit", "1000").get("/api/approvals")
                .then().statusCode(200).extract().path("size()");
    }

    /** The gauge follows what waits in the shared table: up when one is opened, down when it is decided. */
    @Test
    void thePendingGaugeCountsWhatWaitsForADecision() {
        Approval a = pending();
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            int listed = listedPending();
            assertTrue(listed >= 1);
            assertEquals(listed, pendingGauge(), 0.0);
        });
        admin().post("/api/approvals/" + a.getId() + "/deny").then().statusCode(200);
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertEquals(listedPending(), pendingGauge(), 0.0));
    }

    @Test
    void approversDecideWithACommentAndTheValuesAreDroppedThen() {
        Approval a = pending();
        as(key("policy_manager")).body(Map.of("comment", "checked with the owner"))
                .post("/api/approvals/" + a.getId() + "/approve").then().statusCode(200)
                .body("state", equalTo("approved")).body("comment", equalTo("checked with the owner"))
                .body("decided_by", not(nullValue())).body("decided_at", not(nullValue()))
                .body("$", not(org.hamcrest.Matchers.hasKey("arguments")));
        assertEquals("", postgres.psql("warden", "SELECT coalesce(arguments_sealed, '') FROM approvals WHERE id = '"
                + a.getId() + "'"));
        assertEquals(ApprovalState.APPROVED, gateway.stub().get(ApprovalRef.newBuilder().setId(a.getId()).build())
                .getState());
        admin().queryParam("entity_type", "approval").queryParam("entity_id", a.getId()).get("/api/audit")
                .then().statusCode(200).body("action", equalTo(List.of("approve")))
                .body("[0].after.state", equalTo("approved"));
        String trail = admin().queryParam("entity_type", "approval").get("/api/audit").asString();
        assertFalse(trail.contains("secret-report"), "the admin trail holds no argument values");

        Approval b = pending();
        admin().contentType("application/json").post("/api/approvals/" + b.getId() + "/deny").then()
                .statusCode(200).body("state", equalTo("denied")).body("comment", nullValue())
                .body("decided_by", equalTo("bootstrap-admin"));
    }

    @Test
    void aDecisionOnADecidedOrExpiredApprovalIsAConflict() {
        Approval a = pending();
        admin().post("/api/approvals/" + a.getId() + "/approve").then().statusCode(200);
        for (String action : List.of("approve", "deny")) {
            admin().post("/api/approvals/" + a.getId() + "/" + action).then().statusCode(409)
                    .contentType(PROBLEM).body("type", equalTo("urn:warden:problem:conflict"))
                    .body("detail", equalTo("approval '" + a.getId() + "' is approved, not pending"));
        }
        Approval overdue = pending();
        postgres.psql("warden", "UPDATE approvals SET requested_at = now() - interval '1 hour', expires_at = now()"
                + " - interval '1 second' WHERE id = '" + overdue.getId() + "'");
        admin().post("/api/approvals/" + overdue.getId() + "/approve").then().statusCode(409)
                .body("detail", equalTo("approval '" + overdue.getId() + "' is expired, not pending"));
        admin().get("/api/approvals/" + overdue.getId()).then().statusCode(200).body("state", equalTo("expired"));
    }

    @Test
    void rolesAndKeysAreChecked() {
        Approval a = pending();
        String path = "/api/approvals/" + a.getId();
        as(null).get("/api/approvals").then().statusCode(401).contentType(PROBLEM);
        as("wdk_not-a-real-key-000000000000000").get(path).then().statusCode(401);
        as(key("viewer")).post(path + "/approve").then().statusCode(403).contentType(PROBLEM)
                .body("type", equalTo("urn:warden:problem:forbidden"));
        as(key("viewer")).post(path + "/deny").then().statusCode(403);
        as(null).post(path + "/approve").then().statusCode(401);
        as(key("admin")).body("{\"comment\": \"admin may\"}").post(path + "/deny").then().statusCode(200);
    }

    @Test
    void badInputIsAProblemDocumentNeverA5xx() {
        Approval a = pending();
        String path = "/api/approvals/" + a.getId();
        admin().queryParam("state", "waiting").get("/api/approvals").then().statusCode(400).contentType(PROBLEM)
                .body("type", equalTo("urn:warden:problem:bad-parameter"))
                .body("detail", org.hamcrest.Matchers.containsString("pending"));
        admin().queryParam("limit", "0").get("/api/approvals").then().statusCode(400);
        admin().queryParam("limit", "many").get("/api/approvals").then().statusCode(400);
        admin().queryParam("grant", "g".repeat(201)).get("/api/approvals").then().statusCode(400);
        admin().get("/api/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404).contentType(PROBLEM)
                .body("type", equalTo("urn:warden:problem:not-found"));
        admin().get("/api/approvals/" + "x".repeat(500)).then().statusCode(404);
        admin().get("/api/approvals/'; DROP TABLE approvals; --").then().statusCode(404);
        admin().post("/api/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA/approve").then().statusCode(404);
        admin().body("{\"comment\": 5}").post(path + "/approve").then().statusCode(400).contentType(PROBLEM)
                .body("errors[0].pointer", equalTo("/comment"));
        admin().body("{\"comment\": \"a\", \"by\": \"me\"}").post(path + "/approve").then().statusCode(400)
                .body("errors[0].pointer", equalTo("/by"));
        admin().body("{\"comment\": \"a\", \"comment\": \"b\"}").post(path + "/approve").then().statusCode(400);
        admin().body("{\"comment\": ").post(path + "/approve").then().statusCode(400);
        admin().body("[]").post(path + "/approve").then().statusCode(400);
        admin().body(Map.of("comment", "c".repeat(2001))).post(path + "/approve").then().statusCode(422)
                .contentType(PROBLEM).body("errors[0].pointer", equalTo("/comment"));
        admin().contentType("text/plain").body("ok").post(path + "/approve").then().statusCode(415);
        admin().get(path + "/approve").then().statusCode(405);
        // none of that decided anything
        admin().get(path).then().statusCode(200).body("state", equalTo("pending"));
    }

    /** Operators racing each other (and a deny against an approve) on several threads: one decision wins. */
    @Test
    void concurrentDecisionsDecideOnce() throws Exception {
        Approval a = pending();
        List<Integer> statuses = Concurrently.run(12, i -> admin().body(Map.of("comment", "decision " + i))
                .post("/api/approvals/" + a.getId() + (i % 2 == 0 ? "/approve" : "/deny")).statusCode());
        assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
        assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 409), statuses.toString());
        admin().queryParam("entity_type", "approval").queryParam("entity_id", a.getId()).get("/api/audit")
                .then().statusCode(200).body("size()", equalTo(1));
    }
}
