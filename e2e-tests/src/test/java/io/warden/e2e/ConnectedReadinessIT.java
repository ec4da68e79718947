package io.warden.e2e;

import static io.warden.e2e.ConnectedBed.ADMIN_KEY;
import static io.warden.e2e.ConnectedBed.ALLOW;
import static io.warden.e2e.ConnectedBed.GATEWAY_KEY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readiness of a connected-mode gateway with real processes on loopback: not ready (503, check {@code snapshot} DOWN)
 * but live while it holds no snapshot, and an MCP call refused; ready once policy-service (on PostgreSQL) sends one;
 * after a restart with policy-service gone, ready from its snapshot file alone. Unlike {@link ConnectedBed}, the
 * gateway starts first, pointed at a port where nothing listens yet.
 */
class ConnectedReadinessIT {

    /** A gateway JVM boots in about 10 s on a quiet machine; this leaves room on a loaded one. */
    private static final Duration BOOT = Duration.ofSeconds(90);

    private final String cryptoKey = ConnectedBed.randomKey();
    private final String sessionKey = SessionKeys.generate();
    private Path work;
    private PostgresServer postgres;
    private NodeMcpServer fixture;
    private PolicyServiceProcess policy;
    private GatewayProcess gateway;

    @Test
    void notReadyUntilAFirstSnapshotThenReadyFromTheSnapshotFileAlone() throws Exception {
        work = Path.of("target", getClass().getSimpleName()).toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        Path snapshotFile = work.resolve("gw-snapshot.bin");
        // policy-service's port is chosen now; nothing listens on it until phase 2.
        int policyPort = FreePorts.next();
        Map<String, String> connected = Map.of(
                "warden.gateway.connected.endpoints", "127.0.0.1:" + policyPort,
                "warden.gateway.connected.gateway-key", GATEWAY_KEY,
                "warden.gateway.connected.crypto.keys.v1", cryptoKey,
                "warden.gateway.connected.snapshot-file", snapshotFile.toString(),
                "warden.gateway.connected.reconnect-max", "1s");
        gateway = launch(connected);
        // PostgreSQL and the fixture start while the gateway boots.
        postgres = PostgresServer.launch();
        postgres.createDatabase("warden");
        fixture = NodeMcpServer.fixture();

        // 1. No snapshot yet: live, not ready, calls refused.
        awaitLive(gateway);
        assertNotReady(gateway);
        assertFalse(Files.exists(snapshotFile), "no snapshot file before a first snapshot");
        RawMcpClient.Exchange refused = ConnectedBed.initialize(gateway, "not-minted-yet");
        JsonNode error = PolicyServiceProcess.JSON.readTree(refused.body()).path("error");
        // Not "unknown server": the server may well exist, the gateway just has no policy yet.
        assertEquals(503, refused.status(), refused.body());
        assertEquals("5", refused.header("Retry-After"), refused.body());
        assertEquals(-32603, error.path("code").asInt(), refused.body());
        assertTrue(error.path("message").asText().startsWith("Not ready: this gateway has no policy snapshot yet"),
                refused.body());
        System.out.printf("Connected readiness, before a first snapshot: live 200 UP; ready 503 DOWN (check snapshot"
                + " DOWN); initialize -> %d, JSON-RPC error %d \"%s\"%n", refused.status(), error.path("code").asInt(),
                error.path("message").asText());

        // 2. policy-service comes up and is seeded: the gateway becomes ready and relays.
        policy = new PolicyServiceProcess(policyPort, work, postgres.jdbcUrl("warden"), ADMIN_KEY, cryptoKey,
                GATEWAY_KEY).start();
        policy.call("POST", "/api/servers", """
                {"id": "fixture", "name": "Fixture", "url": "%s", "headers": {"X-Upstream-Key": "upstream-s3cret"}}
                """.formatted(fixture.url()));
        String token = ConnectedPropagationIT.policyAndGrant(policy, "ready", ALLOW, "fixture", null);
        await().atMost(ConnectedBed.WAIT).untilAsserted(() -> assertReady(gateway));
        // Until the grant has arrived the call is refused (401, which the client reports as an exception).
        await().atMost(ConnectedBed.WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> assertEquals("hello", echo(gateway, token)));
        assertEquals("upstream-s3cret", fixture.lastHeaders().get("x-upstream-key"));
        // Written in the background after the burst of changes that carried the grant: awaited before phase 3 needs it.
        // Grant ids are stored as plain protobuf strings (only header values are sealed), so the bytes tell.
        await().atMost(ConnectedBed.WAIT).until(() -> Files.exists(snapshotFile)
                && new String(Files.readAllBytes(snapshotFile), StandardCharsets.ISO_8859_1).contains("ready-agent"));
        System.out.println("Connected readiness, policy-service up and seeded: ready 200 UP; echo relayed with the"
                + " server's sealed header; snapshot file holds the grant");

        // 3. policy-service gone, gateway restarted: ready from the snapshot file alone, still relaying.
        policy.stop();
        assertFalse(policy.isAlive());
        gateway.close();
        gateway = launch(connected);
        awaitLive(gateway);
        await().atMost(ConnectedBed.WAIT).untilAsserted(() -> assertReady(gateway));
        String log = gateway.logTail(20_000);
        assertTrue(log.contains("from " + snapshotFile + " until policy-service answers"), log);
        fixture.reset();
        assertEquals("hello", echo(gateway, token));
        assertEquals(1, fixture.callCount("echo"), "relayed to the upstream");
        assertEquals("upstream-s3cret", fixture.lastHeaders().get("x-upstream-key"), "header opened from the file");
        System.out.println("Connected readiness, restarted with policy-service stopped: ready 200 UP from "
                + snapshotFile.getFileName() + "; echo relayed with the sealed header opened from the file");
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, policy, fixture, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private GatewayProcess launch(Map<String, String> connected) {
        return GatewayProcess.launch("gw", work, work.resolve("no-standalone.yaml"), sessionKey, connected);
    }

    private static void awaitLive(GatewayProcess gw) {
        await().atMost(BOOT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .failFast(() -> assertTrue(gw.isAlive(), () -> gw + " exited:\n" + gw.logTail(4000)))
                .untilAsserted(() -> assertHealth(gw.get("/q/health/live"), 200, "UP"));
    }

    private static void assertNotReady(GatewayProcess gw) throws Exception {
        JsonNode ready = assertHealth(gw.get("/q/health/ready"), 503, "DOWN");
        JsonNode snapshot = check(ready, "snapshot");
        assertEquals("DOWN", snapshot.path("status").asText(), ready.toString());
        assertHealth(gw.get("/q/health/live"), 200, "UP");
    }

    private static void assertReady(GatewayProcess gw) throws Exception {
        JsonNode ready = assertHealth(gw.get("/q/health/ready"), 200, "UP");
        assertEquals("UP", check(ready, "snapshot").path("status").asText(), ready.toString());
    }

    private static JsonNode assertHealth(HttpResponse<String> r, int status, String overall) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = PolicyServiceProcess.JSON.readTree(r.body());
        assertEquals(overall, body.path("status").asText(), r.body());
        return body;
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no check named " + name + ": " + health);
    }

    /** The text of one echo through the gateway, or the whole answer when it was not relayed. */
    private static String echo(GatewayProcess gw, String grantToken) {
        RawMcpClient client = new RawMcpClient(gw.mcpUrl("fixture")).header("Authorization", "Bearer " + grantToken);
        client.initialize("2025-11-25");
        JsonNode result = client.callTool("echo", Map.of("message", "hello")).result();
        return result == null || result.path("isError").asBoolean(false) ? String.valueOf(result)
                : result.path("content").path(0).path("text").asText();
    }
}
