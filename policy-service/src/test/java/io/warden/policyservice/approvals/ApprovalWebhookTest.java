package io.warden.policyservice.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.warden.api.approval.v1.Approval;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The webhook against a real local HTTP receiver that refuses twice and then accepts: the announcement arrives,
 * retried with growing waits, signed so the receiver can verify it, and once per approval.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
@QuarkusTestResource(WebhookReceiver.class)
class ApprovalWebhookTest {
    PostgresServer postgres;
    WebhookReceiver receiver;

    @Test
    void aNewApprovalIsAnnouncedSignedAndRetriedUntilTheReceiverTakesIt() throws Exception {
        Approval a;
        try (Gateway gateway = new Gateway(RestAssured.port, Gateway.KEY)) {
            a = gateway.stub().request(Gateway.call().setGrantLabel("Billing <bot>").build());
            gateway.stub().request(Gateway.call().setGrantId(a.getGrantId()).setArgumentDigest(a.getArgumentDigest())
                    .build()); // the same call again: no second announcement
        }
        List<WebhookReceiver.Delivery> deliveries = Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.deliveriesOf(a.getId()), d -> d.size() >= 3);
        assertEquals(List.of(503, 503, 200), deliveries.stream().map(WebhookReceiver.Delivery::answered).toList());
        for (WebhookReceiver.Delivery d : deliveries) {
            assertTrue(d.signatureValid(), "signature verifies with the shared secret: " + d.signature());
            assertTrue(d.signature().matches("sha256=[0-9a-f]{64}"), d.signature());
            long sent = Long.parseLong(d.timestamp());
            assertTrue(Math.abs(sent - Instant.now().getEpochSecond()) < 300, "timestamp is Unix seconds, now");
        }
        // exponential backoff: the second wait is at least half of twice the first base (0.1 s → 0.2 s)
        long firstGap = deliveries.get(1).receivedAtNanos() - deliveries.get(0).receivedAtNanos();
        long secondGap = deliveries.get(2).receivedAtNanos() - deliveries.get(1).receivedAtNanos();
        assertTrue(firstGap >= TimeUnit.MILLISECONDS.toNanos(50), "first retry waited " + firstGap + " ns");
        assertTrue(secondGap >= TimeUnit.MILLISECONDS.toNanos(100), "second retry waited " + secondGap + " ns");

        JsonNode body = new ObjectMapper().readTree(deliveries.get(2).body());
        String text = body.get("text").asText();
        assertTrue(text.contains("`delete_file`") && text.contains("`files`") && text.contains("path, recursive"),
                text);
        assertTrue(text.contains(WebhookReceiver.CONSOLE + "/approvals/" + a.getId()), "links to the console: " + text);
        assertTrue(text.contains("Billing &lt;bot&gt;"), "labels cannot inject Slack markup: " + text);
        assertTrue(body.get("blocks").isArray() && body.get("blocks").size() == 3);
        assertEquals("mrkdwn", body.get("blocks").get(0).get("text").get("type").asText());
        assertFalse(deliveries.get(2).body().contains("secret-report"), "argument values never leave");

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> postgres.psql("warden",
                "SELECT attempts || ':' || (delivered_at IS NOT NULL) FROM approval_webhooks WHERE approval_id = '"
                        + a.getId() + "'"), "3:true"::equals);
        String metrics = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.matches("(?s).*warden_approval_webhook_attempts_total\\{outcome=\"retry\"} [1-9].*"),
                "retries counted");
        assertTrue(metrics.matches("(?s).*warden_approval_webhook_attempts_total\\{outcome=\"delivered\"} [1-9].*"));
        assertTrue(metrics.contains("warden_approval_watch_streams "), "open Watch streams gauge");
        assertEquals("1", postgres.psql("warden", "SELECT count(*) FROM approval_webhooks WHERE approval_id IN"
                + " (SELECT id FROM approvals WHERE grant_id = '" + a.getGrantId() + "')"));
    }
}
