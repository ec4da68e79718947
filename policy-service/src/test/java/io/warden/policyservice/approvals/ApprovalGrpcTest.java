package io.warden.policyservice.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.policyservice.testing.Api;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateways' contract (approval.proto) against the running service and its PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
@QuarkusTestResource(WebhookReceiver.class)
class ApprovalGrpcTest {
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

    private static ConsumeRequest spend(Approval a) {
        return ConsumeRequest.newBuilder().setId(a.getId()).setGrantId(a.getGrantId()).setServer(a.getServer())
                .setTool(a.getTool()).setArgumentDigest(a.getArgumentDigest()).setGatewayId("gw-test").build();
    }

    private static void approve(String id) {
        Api.admin().body("{\"comment\":\"ok\"}").post("/api/approvals/" + id + "/approve").then().statusCode(200);
    }

    @Test
    void aRequestOpensAPendingApprovalAndARetryOfTheSameCallFindsIt() {
        ApprovalRequest ask = Gateway.call().build();
        Approval first = gateway.stub().request(ask);
        assertTrue(first.getId().matches("apr_[A-Za-z0-9_-]{22}"), first.getId());
        assertEquals(ApprovalState.PENDING, first.getState());
        assertEquals(List.of("path", "recursive"), first.getArgumentKeysList());
        assertEquals("delete_*", first.getRule());
        assertEquals(Approver.OPERATOR, first.getApprover());
        long waits = first.getExpiresAtMillis() - first.getRequestedAtMillis();
        assertEquals(600_000, waits, 5);
        assertTrue(first.getDecidedBy().isEmpty());

        // the same call again (another request id, another gateway pod): the same approval
        Approval again = gateway.stub().request(ask.toBuilder().setRequestId("retry").setGatewayId("gw-2").build());
        assertEquals(first.getId(), again.getId());
        // other arguments, another tool, another grant: each its own approval
        assertNotEquals(first.getId(), gateway.stub().request(ask.toBuilder().setArgumentDigest(Gateway.digest())
                .build()).getId());
        assertNotEquals(first.getId(), gateway.stub().request(ask.toBuilder().setTool("rm").build()).getId());
        assertNotEquals(first.getId(), gateway.stub().request(ask.toBuilder().setGrantId("other").build()).getId());
        assertEquals(first, gateway.stub().get(ApprovalRef.newBuilder().setId(first.getId()).build()));

        // arguments are stored sealed, never in clear
        String stored = postgres.psql("warden", "SELECT arguments_sealed FROM approvals WHERE id = '"
                + first.getId() + "'");
        assertTrue(stored.startsWith("v2:"), stored);
        assertFalse(stored.contains("secret-report"));
    }

    @Test
    void concurrentRequestsForOneCallOpenOneApproval() throws Exception {
        ApprovalRequest ask = Gateway.call().build();
        List<String> ids = Concurrently.run(16, i -> gateway.stub().request(ask).getId());
        assertEquals(1, ids.stream().distinct().count(), ids.toString());
        assertEquals("1", postgres.psql("warden", "SELECT count(*) FROM approvals WHERE grant_id = '"
                + ask.getGrantId() + "'"));
    }

    @Test
    void manyConcurrentConsumesOfOneApprovalLetExactlyOneCallThrough() throws Exception {
        Approval a = gateway.stub().request(Gateway.call().build());
        approve(a.getId());
        List<ConsumeReply> replies = Concurrently.run(24, i -> gateway.stub().consume(spend(a)));
        assertEquals(1, replies.stream().filter(ConsumeReply::getConsumed).count(), replies.toString());
        replies.stream().filter(r -> !r.getConsumed()).forEach(r -> {
            assertEquals("already_used", r.getRefusal());
            assertEquals(ApprovalState.USED, r.getState());
        });
        assertEquals(ApprovalState.USED, gateway.stub().get(ApprovalRef.newBuilder().setId(a.getId()).build())
                .getState());
        // a later request for the same call opens a fresh approval: the used one let its one call through
        Approval next = gateway.stub().request(Gateway.call().setGrantId(a.getGrantId())
                .setArgumentDigest(a.getArgumentDigest()).build());
        assertNotEquals(a.getId(), next.getId());
        assertEquals(ApprovalState.PENDING, next.getState());
    }

    @Test
    void anApprovalIsSpentOnlyForItsOwnCall() {
        Approval a = gateway.stub().request(Gateway.call().build());
        ConsumeReply early = gateway.stub().consume(spend(a));
        assertFalse(early.getConsumed());
        assertEquals("not_approved", early.getRefusal());
        assertEquals(ApprovalState.PENDING, early.getState());
        approve(a.getId());

        for (ConsumeRequest other : List.of(spend(a).toBuilder().setGrantId("another-grant").build(),
                spend(a).toBuilder().setArgumentDigest(Gateway.digest()).build(),
                spend(a).toBuilder().setTool("other_tool").build(),
                spend(a).toBuilder().setServer("other-server").build())) {
            ConsumeReply refused = gateway.stub().consume(other);
            assertFalse(refused.getConsumed());
            assertEquals("mismatch", refused.getRefusal());
            assertEquals(ApprovalState.APPROVAL_STATE_UNSPECIFIED, refused.getState(), "another call learns nothing");
        }
        ConsumeReply unknown = gateway.stub().consume(spend(a).toBuilder().setId("apr_AAAAAAAAAAAAAAAAAAAAAA")
                .build());
        assertEquals("not_found", unknown.getRefusal());
        assertTrue(gateway.stub().consume(spend(a)).getConsumed(), "the mismatches did not spend it");
        assertEquals("already_used", gateway.stub().consume(spend(a)).getRefusal());
    }

    @Test
    void aDeniedApprovalIsNeverSpent() {
        Approval a = gateway.stub().request(Gateway.call().build());
        Api.admin().body("{\"comment\":\"not on prod\"}").post("/api/approvals/" + a.getId() + "/deny")
                .then().statusCode(200);
        ConsumeReply r = gateway.stub().consume(spend(a));
        assertFalse(r.getConsumed());
        assertEquals(ApprovalState.DENIED, r.getState());
        assertEquals("not_approved", r.getRefusal());
        Approval denied = gateway.stub().get(ApprovalRef.newBuilder().setId(a.getId()).build());
        assertEquals("not on prod", denied.getComment());
        assertEquals("bootstrap-admin", denied.getDecidedBy());
        assertTrue(denied.getDecidedAtMillis() >= denied.getRequestedAtMillis());

        // the same call asked again while the denial stands hears it (with the comment) and opens nothing new
        Approval retried = gateway.stub().request(Gateway.call().setGrantId(a.getGrantId())
                .setArgumentDigest(a.getArgumentDigest()).setRequestId("retry").build());
        assertEquals(a.getId(), retried.getId());
        assertEquals(ApprovalState.DENIED, retried.getState());
        assertEquals("not on prod", retried.getComment());
        // other arguments are another call: a fresh approval
        Approval other = gateway.stub().request(Gateway.call().setGrantId(a.getGrantId())
                .setArgumentDigest(Gateway.digest()).build());
        assertEquals(ApprovalState.PENDING, other.getState());
    }

    @Test
    void anApprovalExpiresPendingOrApprovedAndCannotBeSpentThen() {
        Approval pending = gateway.stub().request(Gateway.call().setTimeoutMillis(300).build());
        Approval approved = gateway.stub().request(Gateway.call().setTimeoutMillis(1500).build());
        approve(approved.getId());
        // the sweeper expires both, without anyone asking
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> postgres.psql("warden",
                "SELECT count(*) FROM approvals WHERE state = 'expired' AND id IN ('" + pending.getId() + "', '"
                        + approved.getId() + "')").equals("2"));
        ConsumeReply late = gateway.stub().consume(spend(approved));
        assertFalse(late.getConsumed());
        assertEquals("expired", late.getRefusal());
        assertEquals(ApprovalState.EXPIRED, late.getState());
        assertEquals(ApprovalState.EXPIRED, gateway.stub().get(ApprovalRef.newBuilder().setId(pending.getId())
                .build()).getState());
        assertEquals("", postgres.psql("warden", "SELECT coalesce(arguments_sealed, '') FROM approvals WHERE id = '"
                + pending.getId() + "'"), "arguments dropped at expiry");
        Api.admin().post("/api/approvals/" + pending.getId() + "/approve").then().statusCode(409);
        // every expiry is in the admin trail
        Api.admin().queryParam("entity_type", "approval").queryParam("entity_id", pending.getId())
                .get("/api/audit").then().statusCode(200)
                .body("action", org.hamcrest.Matchers.hasItem("expire"));
    }

    @Test
    void anOverdueApprovalIsExpiredForGetAndConsumeEvenBeforeTheSweeperRuns() {
        Approval a = gateway.stub().request(Gateway.call().setTimeoutMillis(60_000).build());
        approve(a.getId());
        // overdue in the database, as if the sweeper had not come by yet
        postgres.psql("warden", "UPDATE approvals SET requested_at = now() - interval '2 minutes', expires_at ="
                + " now() - interval '1 second' WHERE id = '" + a.getId() + "'");
        ConsumeReply r = gateway.stub().consume(spend(a));
        assertFalse(r.getConsumed());
        assertEquals("expired", r.getRefusal());
    }

    @Test
    void timeoutsDefaultAndAreCapped() {
        Approval byDefault = gateway.stub().request(Gateway.call().setTimeoutMillis(0).build());
        assertEquals(Duration.ofMinutes(5).toMillis(), byDefault.getExpiresAtMillis()
                - byDefault.getRequestedAtMillis(), 5);
        Approval capped = gateway.stub().request(Gateway.call().setTimeoutMillis(Long.MAX_VALUE / 4).build());
        assertEquals(Duration.ofHours(24).toMillis(), capped.getExpiresAtMillis() - capped.getRequestedAtMillis(), 5);
    }

    @Test
    void theUsersAnswerDecidesOnlyWhereTheRuleSaysSoAndOnlyForItsGrant() {
        Approval operatorOnly = gateway.stub().request(Gateway.call().build());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .answerAsUser(UserAnswer.newBuilder().setId(operatorOnly.getId())
                        .setGrantId(operatorOnly.getGrantId()).setApprove(true).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("waits for an operator"));
        assertEquals(ApprovalState.PENDING, gateway.stub().get(ApprovalRef.newBuilder().setId(operatorOnly.getId())
                .build()).getState());

        Approval userMay = gateway.stub().request(Gateway.call().setApprover(Approver.USER).build());
        StatusRuntimeException otherGrant = assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .answerAsUser(UserAnswer.newBuilder().setId(userMay.getId()).setGrantId("someone-else")
                        .setApprove(true).build()));
        assertEquals(Status.Code.NOT_FOUND, otherGrant.getStatus().getCode());
        Approval answered = gateway.stub().answerAsUser(UserAnswer.newBuilder().setId(userMay.getId())
                .setGrantId(userMay.getGrantId()).setApprove(true).setComment("yes, go").build());
        assertEquals(ApprovalState.APPROVED, answered.getState());
        assertEquals("user", answered.getDecidedBy());
        assertEquals("yes, go", answered.getComment());
        StatusRuntimeException twice = assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .answerAsUser(UserAnswer.newBuilder().setId(userMay.getId()).setGrantId(userMay.getGrantId())
                        .setApprove(false).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, twice.getStatus().getCode());
        assertTrue(twice.getStatus().getDescription().contains("already approved"));
        assertTrue(gateway.stub().consume(spend(userMay)).getConsumed());

        Approval declined = gateway.stub().request(Gateway.call().setApprover(Approver.USER).build());
        assertEquals(ApprovalState.DENIED, gateway.stub().answerAsUser(UserAnswer.newBuilder()
                .setId(declined.getId()).setGrantId(declined.getGrantId()).setApprove(false).build()).getState());
    }

    @Test
    void badInputIsInvalidArgumentNamingTheField() {
        record Case(ApprovalRequest request, String field) {
        }
        String twoHundredOne = "x".repeat(201);
        for (Case c : List.of(new Case(Gateway.call().setGrantId("").build(), "grant_id"),
                new Case(Gateway.call().setGatewayId(" ").build(), "gateway_id"),
                new Case(Gateway.call().setServer("").build(), "server"),
                new Case(Gateway.call().setTool(twoHundredOne).build(), "tool"),
                new Case(Gateway.call().setArgumentDigest("sha256:abc").build(), "argument_digest"),
                new Case(Gateway.call().setArgumentDigest("hmac-sha256:" + "A".repeat(64)).build(), "argument_digest"),
                new Case(Gateway.call().setArgumentsJson("[1,2]").build(), "arguments_json"),
                new Case(Gateway.call().setArgumentsJson("{\"a\":1,\"a\":2}").build(), "arguments_json"),
                new Case(Gateway.call().setArgumentsJson("{\"a\":1} trailing").build(), "arguments_json"),
                new Case(Gateway.call().addArgumentKeys("path").build(), "argument_keys"),
                new Case(Gateway.call().setTimeoutMillis(-1).build(), "timeout_millis"),
                new Case(Gateway.call().setPolicyVersion(-2).build(), "policy_version"),
                new Case(Gateway.call().setRule("").build(), "rule"),
                new Case(Gateway.call().setApproverValue(7).build(), "approver"))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> gateway.stub().request(c.request()), c.field());
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), c.field());
            assertTrue(e.getStatus().getDescription().contains(c.field()), e.getStatus().getDescription());
        }
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .get(ApprovalRef.newBuilder().setId("apr_nope").build())).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .get(ApprovalRef.getDefaultInstance())).getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> gateway.stub()
                .consume(ConsumeRequest.newBuilder().setId("apr_x").build())).getStatus().getCode());
        // a call without arguments has an empty digest
        assertEquals(ApprovalState.PENDING, gateway.stub().request(Gateway.call().setArgumentDigest("")
                .clearArgumentKeys().setArgumentsJson("").build()).getState());
    }

    @Test
    void withoutAGatewayKeyNothingAnswers() throws InterruptedException {
        for (String key : new String[] {null, "test-gateway-key-wrong-0123456789", Api.BOOTSTRAP}) {
            try (Gateway stranger = new Gateway(RestAssured.port, key)) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> stranger.stub().request(Gateway.call().build()));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
                BlockingQueue<Object> stream = stranger.watch("intruder");
                Object end = stream.poll(20, TimeUnit.SECONDS);
                assertTrue(end instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.UNAUTHENTICATED, String.valueOf(end));
            }
        }
    }

    @Test
    void everyWatchingGatewayHearsEachDecision() throws Exception {
        try (Gateway other = new Gateway(RestAssured.port, Gateway.KEY)) {
            BlockingQueue<Object> a = gateway.watch("gw-a");
            BlockingQueue<Object> b = other.watch("gw-b");
            awaitListening(a, b);
            Approval approved = gateway.stub().request(Gateway.call().build());
            Approval denied = gateway.stub().request(Gateway.call().build());
            Approval expires = gateway.stub().request(Gateway.call().setTimeoutMillis(200).build());
            approve(approved.getId());
            Api.admin().body("{\"comment\":\"no\"}").post("/api/approvals/" + denied.getId() + "/deny")
                    .then().statusCode(200);
            for (BlockingQueue<Object> events : List.of(a, b)) {
                assertEquals(ApprovalState.APPROVED, next(events, approved.getId()).getState());
                Approval d = next(events, denied.getId());
                assertEquals(ApprovalState.DENIED, d.getState());
                assertEquals("no", d.getComment());
                assertEquals(ApprovalState.EXPIRED, next(events, expires.getId()).getState());
            }
        }
    }

    /**
     * A decision committed by another replica, simulated from a psql session: nothing in this process takes part,
     * only PostgreSQL's NOTIFY reaches the stream.
     */
    @Test
    void aDecisionMadeOnAnotherReplicaReachesTheStream() throws Exception {
        BlockingQueue<Object> events = gateway.watch("gw-replica");
        awaitListening(events);
        Approval a = gateway.stub().request(Gateway.call().build());
        postgres.psql("warden", "BEGIN; UPDATE approvals SET state = 'approved', decided_by = 'elsewhere',"
                + " decided_at = now(), arguments_sealed = NULL WHERE id = '" + a.getId() + "' AND state = 'pending';"
                + " SELECT pg_notify('warden_approvals', '" + a.getId() + "'); COMMIT;");
        Approval heard = next(events, a.getId());
        assertEquals(ApprovalState.APPROVED, heard.getState());
        assertEquals("elsewhere", heard.getDecidedBy());
    }

    /**
     * The LISTEN connection lost (PostgreSQL stopped): decisions may be missed meanwhile, so open Watch streams end
     * with UNAVAILABLE and gateways reconnect and Get; once the database is back, a new stream hears decisions.
     */
    @Test
    void whenTheDecisionFeedIsLostTheStreamsEndSoGatewaysCatchUp() {
        BlockingQueue<Object> events = gateway.watch("gw-outage");
        awaitListening(events);
        postgres.stop();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e ->
                    e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE));
        } finally {
            postgres.start();
        }
        // a stream opened before the feed is back may be ended once more (the gateway's reconnect loop)
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            BlockingQueue<Object> again = gateway.watch("gw-after-outage");
            Approval probe = gateway.stub().request(Gateway.call().build());
            Api.admin().post("/api/approvals/" + probe.getId() + "/deny").then().statusCode(200);
            return next(again, probe.getId()).getState() == ApprovalState.DENIED;
        });
    }

    /**
     * A Watch stream is registered after the call starts: until a decision made now reaches every stream, decide
     * fresh probe approvals.
     */
    @SafeVarargs
    private void awaitListening(BlockingQueue<Object>... streams) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            Approval probe = gateway.stub().request(Gateway.call().build());
            Api.admin().post("/api/approvals/" + probe.getId() + "/deny").then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> java.util.Arrays.stream(streams).allMatch(q -> q.stream()
                            .anyMatch(e -> e instanceof Approval x && x.getId().equals(probe.getId()))));
            return true;
        });
    }

    /** The decision about {@code id} among the stream's events (in any order), waiting for it. */
    private static Approval next(BlockingQueue<Object> events, String id) {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertFalse(events.stream().anyMatch(e -> e instanceof Throwable || "completed".equals(e)),
                    "stream ended: " + events);
            return events.stream().filter(e -> e instanceof Approval a && a.getId().equals(id))
                    .map(Approval.class::cast).findFirst().orElse(null);
        }, java.util.Objects::nonNull);
    }
}
