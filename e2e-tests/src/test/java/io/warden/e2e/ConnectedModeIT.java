package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Connected mode end to end: PostgreSQL, the packaged policy-service and two packaged gateways following it over gRPC,
 * the Node fixture upstream and a real MCP client. Everything is changed through the admin API only; every
 * expectation is awaited (bounded), never slept for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectedModeIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ADMIN_KEY = "e2e-admin-key-0123456789abcdef";
    static final String GATEWAY_KEY = "e2e-gateway-key-0123456789abcdef";
    static final String ALLOW = "{\"version\":\"1\",\"default\":\"allow\"}";
    static final String DENY_ALL = "{\"version\":\"1\",\"default\":\"deny\"}";

    final String cryptoKey = randomKey();
    final String sessionKey = SessionKeys.generate();
    Path work;
    PostgresServer postgres;
    NodeMcpServer fixture;
    PolicyServiceProcess policy;
    GatewayProcess a;
    GatewayProcess b;
    String token;

    static String randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    @BeforeAll
    void start() throws Exception {
        work = Path.of("target", "connected-mode").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        postgres = PostgresServer.launch();
        postgres.createDatabase("warden");
        fixture = NodeMcpServer.fixture();
        policy = new PolicyServiceProcess(FreePorts.next(), work, postgres.jdbcUrl("warden"), ADMIN_KEY, cryptoKey,
                GATEWAY_KEY).start();

        policy.call("POST", "/api/servers", """
                {"id": "fixture", "name": "Fixture", "url": "%s", "headers": {"X-Upstream-Key": "upstream-s3cret"}}
                """.formatted(fixture.url()));
        policy.call("POST", "/api/policies/team", ALLOW);
        JsonNode minted = policy.call("POST", "/api/grants",
                "{\"id\": \"agent\", \"label\": \"Agent\", \"server\": \"fixture\", \"policy\": \"team\"}");
        token = minted.path("token").asText();

        a = gateway("a");
        b = gateway("b");
        a.awaitHealthy();
        b.awaitHealthy();
    }

    GatewayProcess gateway(String name) {
        return GatewayProcess.launch(name, work, work.resolve("no-standalone.yaml"), sessionKey, Map.of(
                "warden.gateway.connected.endpoints", policy.endpoint(),
                "warden.gateway.connected.gateway-key", GATEWAY_KEY,
                "warden.gateway.connected.crypto.keys.v1", cryptoKey,
                "warden.gateway.connected.snapshot-file", work.resolve(name + "-snapshot.bin").toString(),
                "warden.gateway.connected.reconnect-max", "1s"));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, policy, fixture, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** One echo through a gateway with a fresh MCP session: true when it was relayed, false when policy denied it. */
    boolean echoAllowed(GatewayProcess gw) {
        RawMcpClient client = new RawMcpClient(gw.mcpUrl("fixture")).header("Authorization", "Bearer " + token);
        ObjectNode params = PolicyServiceProcess.JSON.createObjectNode().put("protocolVersion", "2025-11-25");
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "connected-mode-it").put("version", "1");
        RawMcpClient.Exchange probe = client.post(client.requestMessage("initialize", params), Map.of());
        if (probe.status() == 401) {
            assertTrue(probe.body().contains("unknown grant token"), probe.body());
            return false; // a revoked grant is refused at the door
        }
        client.initialize("2025-11-25");
        JsonNode result = client.callTool("echo", Map.of("message", "hello")).result();
        if (result.path("isError").asBoolean(false)) {
            return false;
        }
        assertEquals("hello", result.path("content").path(0).path("text").asText(), result.toString());
        return true;
    }

    void awaitBoth(boolean allowed, GatewayProcess... gateways) {
        for (GatewayProcess gw : gateways) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertEquals(allowed, echoAllowed(gw), gw + " should " + (allowed ? "allow" : "deny")));
        }
    }

    /** The last decision event of a gateway for the echo tool. */
    JsonNode lastEchoDecision(GatewayProcess gw) throws Exception {
        List<String> lines = new ArrayList<>(gw.decisions());
        for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode e = PolicyServiceProcess.JSON.readTree(lines.get(i));
            if ("echo".equals(e.path("tool").asText())) {
                return e;
            }
        }
        throw new AssertionError(gw + " logged no echo decision");
    }

    @Test
    void gatewaysFollowPolicyServiceAndSurviveItsAbsence() throws Exception {
        // Allowed on both, with the sealed header opened by the gateway and sent upstream.
        awaitBoth(true, a, b);
        assertEquals("upstream-s3cret", fixture.lastHeaders().get("x-upstream-key"));
        await().atMost(WAIT).untilAsserted(() -> assertEquals("1", lastEchoDecision(a).path("policy_version").asText()));
        assertEquals("team", lastEchoDecision(b).path("policy_id").asText());

        // A new policy version: the next calls follow it on both, and decisions name the version.
        policy.call("POST", "/api/policies/team/versions", DENY_ALL);
        awaitBoth(false, a, b);
        await().atMost(WAIT).untilAsserted(() -> assertEquals("2", lastEchoDecision(b).path("policy_version").asText()));

        // Roll back to version 1 (it becomes version 3).
        policy.call("POST", "/api/policies/team/rollback", "{\"version\": 1}");
        awaitBoth(true, a, b);
        await().atMost(WAIT).untilAsserted(() -> assertEquals("3", lastEchoDecision(a).path("policy_version").asText()));

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
