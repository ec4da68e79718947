package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresServer;
import io.warden.testsupport.redis.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The connected-mode bed: PostgreSQL, the packaged policy-service and two packaged gateways (a, b) following it over
 * gRPC, the Node fixture upstream behind a server with a secret header, a policy "team" (allow) and a grant "agent".
 * Everything is set up through the admin API only. With {@link #secondReplica()}, a second policy-service
 * ({@link #replica}) runs on the same database and gateway b follows that one only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConnectedBed {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ADMIN_KEY = "e2e-admin-key-0123456789abcdef";
    static final String GATEWAY_KEY = "e2e-gateway-key-0123456789abcdef";
    static final String ALLOW = "{\"version\":\"1\",\"default\":\"allow\"}";
    static final String DENY_ALL = "{\"version\":\"1\",\"default\":\"deny\"}";

    final String cryptoKey = randomKey();
    final String sessionKey = SessionKeys.generate();
    final String digestKey = ArgumentDigest.generateKey();
    Path work;
    PostgresServer postgres;
    RedisServer redis;
    NodeMcpServer fixture;
    PolicyServiceProcess policy;
    PolicyServiceProcess replica;
    GatewayProcess a;
    GatewayProcess b;
    String token;

    static String randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /**
     * True: the gateways are pods of one deployment, sharing a Redis (cluster bus, streams) and an argument-digest key, so
     * a call's digest (and with it its approval) is the same on either.
     */
    boolean podsShareRedis() {
        return false;
    }

    /** True: a second policy-service replica on the same database, the only one gateway b follows. */
    boolean secondReplica() {
        return false;
    }

    @BeforeAll
    void start() throws Exception {
        work = Path.of("target", getClass().getSimpleName()).toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        postgres = PostgresServer.launch();
        postgres.createDatabase("warden");
        fixture = NodeMcpServer.fixture();
        if (podsShareRedis()) {
            redis = RedisServer.launch();
        }
        policy = new PolicyServiceProcess(FreePorts.next(), work, postgres.jdbcUrl("warden"), ADMIN_KEY, cryptoKey,
                GATEWAY_KEY).start();
        if (secondReplica()) {
            // Started after the first has migrated the schema: the replicas share it, as pods of one deployment.
            replica = new PolicyServiceProcess("policy-service-2", FreePorts.next(), work, postgres.jdbcUrl("warden"),
                    ADMIN_KEY, cryptoKey, GATEWAY_KEY).start();
        }

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
        PolicyServiceProcess follows = replica != null && name.equals("b") ? replica : policy;
        Map<String, String> settings = new LinkedHashMap<>(Map.of(
                "warden.gateway.connected.endpoints", follows.endpoint(),
                "warden.gateway.connected.gateway-key", GATEWAY_KEY,
                "warden.gateway.connected.crypto.keys.v1", cryptoKey,
                "warden.gateway.connected.snapshot-file", work.resolve(name + "-snapshot.bin").toString(),
                "warden.gateway.connected.reconnect-max", "1s"));
        if (redis != null) {
            settings.put("warden.gateway.cluster.redis-url", redis.uri());
            settings.put("warden.gateway.decision-log.digest-key", digestKey);
        }
        return GatewayProcess.launch(name, work, work.resolve("no-standalone.yaml"), sessionKey, settings);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, policy, replica, fixture, redis, postgres}) {
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
        return echoAllowed(gw, token);
    }

    /** The same with another grant's token (on the fixture server). */
    boolean echoAllowed(GatewayProcess gw, String grantToken) {
        JsonNode result = echo(gw, grantToken, "hello");
        if (result == null || result.path("isError").asBoolean(false)) {
            return false;
        }
        assertEquals("hello", result.path("content").path(0).path("text").asText(), result.toString());
        return true;
    }

    /**
     * One echo of {@code message} through a gateway, from a fresh 2025-era session that declared no capabilities: the
     * call's result, or null when the grant is refused at the door.
     */
    JsonNode echo(GatewayProcess gw, String message) {
        return echo(gw, token, message);
    }

    JsonNode echo(GatewayProcess gw, String grantToken, String message) {
        RawMcpClient.Exchange refused = initialize(gw, grantToken);
        if (refused.status() == 401) {
            assertTrue(refused.body().contains("unknown grant token"), refused.body());
            return null; // a revoked grant is refused at the door
        }
        RawMcpClient client = new RawMcpClient(gw.mcpUrl("fixture")).header("Authorization", "Bearer " + grantToken);
        client.initialize("2025-11-25");
        return client.callTool("echo", Map.of("message", message)).result();
    }

    /** The answer to a 2025-era initialize on the fixture server with {@code grantToken}, from a fresh session. */
    static RawMcpClient.Exchange initialize(GatewayProcess gw, String grantToken) {
        RawMcpClient client = new RawMcpClient(gw.mcpUrl("fixture")).header("Authorization", "Bearer " + grantToken);
        ObjectNode params = PolicyServiceProcess.JSON.createObjectNode().put("protocolVersion", "2025-11-25");
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "connected-mode-it").put("version", "1");
        return client.post(client.requestMessage("initialize", params), Map.of());
    }

    void awaitBoth(boolean allowed, GatewayProcess... gateways) {
        awaitEcho(allowed, token, gateways);
    }

    /** Awaits (bounded) each gateway allowing, or denying, an echo with {@code grantToken}. */
    void awaitEcho(boolean allowed, String grantToken, GatewayProcess... gateways) {
        for (GatewayProcess gw : gateways) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertEquals(allowed,
                    echoAllowed(gw, grantToken), gw + " should " + (allowed ? "allow" : "deny")));
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
}
