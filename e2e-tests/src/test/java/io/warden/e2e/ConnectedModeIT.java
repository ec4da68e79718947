package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.testsupport.mcp.SdkClient;
import org.junit.jupiter.api.Test;

/**
 * Connected mode end to end (see {@link ConnectedBed}) with a real MCP client: changes made through the admin API reach
 * both gateways; they keep enforcing, and restart, while policy-service is away; what changed meanwhile arrives when
 * it is back. Every expectation is awaited (bounded), never slept for.
 */
class ConnectedModeIT extends ConnectedBed {

    @Test
    void gatewaysFollowPolicyServiceAndSurviveItsAbsence() throws Exception {
        // Allowed on both, with the sealed header opened by the gateway and sent upstream.
        awaitBoth(true, a, b);
        assertEquals("upstream-s3cret", fixture.lastHeaders().get("x-upstream-key"));
        // The same through an official SDK client (TypeScript, v2): it lists, calls, reads and gets progress.
        for (GatewayProcess gw : new GatewayProcess[] {a, b}) {
            SdkClient.Report r = SdkClient.of(SdkClient.Sdk.V2, gw.mcpUrl("fixture"))
                    .header("Authorization", "Bearer " + token).run();
            assertTrue(r.ok(), r.raw());
            assertEquals("hello from v2", r.echoText());
        }
        await().atMost(WAIT).untilAsserted(() -> assertEquals("1", lastEchoDecision(a).path("policy_version").asText()));
        // Decision events are written in the background: awaited like the rest.
        await().atMost(WAIT).untilAsserted(() -> assertEquals("team", lastEchoDecision(b).path("policy_id").asText()));

        // A new policy version: the next calls follow it on both, and decisions name the version.
        policy.call("POST", "/api/policies/team/versions", DENY_ALL);
        awaitBoth(false, a, b);
        await().atMost(WAIT).untilAsserted(() -> assertEquals("2", lastEchoDecision(b).path("policy_version").asText()));

        // Roll back to version 1 (it becomes version 3).
        policy.call("POST", "/api/policies/team/rollback", "{\"version\": 1}");
        awaitBoth(true, a, b);
        await().atMost(WAIT).untilAsserted(() -> assertEquals("3", lastEchoDecision(a).path("policy_version").asText()));

        // A rotated upstream header reaches the upstream through both gateways.
        policy.call("PATCH", "/api/servers/fixture", "{\"headers\": {\"X-Upstream-Key\": \"rotated-s3cret\"}}");
        for (GatewayProcess gw : new GatewayProcess[] {a, b}) {
            await().atMost(WAIT).pollInterval(java.time.Duration.ofMillis(100)).untilAsserted(() -> {
                assertTrue(echoAllowed(gw));
                assertEquals("rotated-s3cret", fixture.lastHeaders().get("x-upstream-key"), gw.toString());
            });
        }

        // Both acknowledged the store's revision.
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode g = policy.call("GET", "/api/gateways", null);
            long store = g.path("store_revision").asLong();
            int acked = 0;
            for (JsonNode each : g.path("gateways")) {
                acked += each.path("revision").asLong() == store ? 1 : 0;
            }
            assertEquals(2, acked, g.toString());
        });

        // policy-service goes away: both keep enforcing what they run.
        policy.stop();
        assertTrue(echoAllowed(a));
        assertTrue(echoAllowed(b));

        // A gateway restarted meanwhile serves at once from its disk snapshot.
        b.close();
        b = gateway("b").awaitHealthy();
        assertTrue(echoAllowed(b), "restarted without policy-service, b serves its disk snapshot");

        // Changes made while a gateway is away arrive when it comes back; the grant revoked: refused on both.
        a.close();
        policy.start();
        policy.call("POST", "/api/grants/agent/revoke", null);
        awaitBoth(false, b);
        a = gateway("a").awaitHealthy();
        awaitBoth(false, a);
        assertFalse(echoAllowed(b));
    }
}
