package io.warden.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.redis.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Session keys across packaged gateway pods sharing a Redis: the three-step rotation of docs/configuration.md carried
 * out as a rolling deploy (one pod restarted at a time, so at every moment two pods with different key lists serve the
 * same clients), and pods that share state refusing to start without a key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionKeyRotationIT {

    static final String LEGACY = "2025-11-25";

    final String token = GrantTokens.mint();
    final String oldKey = SessionKeys.generate();
    final String newKey = SessionKeys.generate();
    Path work;
    Path config;
    RedisServer redis;
    NodeMcpServer fixture;
    Map<String, String> shared;

    @BeforeAll
    void upstream() throws IOException {
        work = Path.of("target", "session-key-rotation").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        redis = RedisServer.launch();
        fixture = NodeMcpServer.fixture();
        shared = Map.of("warden.gateway.cluster.redis-url", redis.uri());
        config = work.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: fixture, url: "%s"}
                grants:
                  - {id: pods, server: fixture, token_hash: "%s", policy: allow}
                policies:
                  allow: {version: "1", default: allow}
                """.formatted(fixture.url(), GrantTokens.hash(token)));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {fixture, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    void aRollingRotationInThreeStepsNeverLosesASession() {
        GatewayProcess a = pod("a0", oldKey);
        GatewayProcess b = pod("b0", oldKey);
        try {
            String before = sessionVia(a);
            assertEquals(200, useOn(b, before));

            // Step 1: the new key is accepted, second in the list; B first, then A. Both keep sealing with the old key.
            b = restart(b, "b1", oldKey + "," + newKey);
            String step1 = sessionVia(b);
            assertEquals(200, useOn(a, step1), "A (old key only) opens B's session: B still seals with the old key");
            assertEquals(200, useOn(b, before));
            a = restart(a, "a1", oldKey + "," + newKey);

            // Step 2: the new key seals, first in the list; A first, then B. Every pod accepts it since step 1.
            a = restart(a, "a2", newKey + "," + oldKey);
            String step2 = sessionVia(a);
            assertEquals(200, useOn(b, step2), "B (old key sealing, new accepted) opens A's session sealed with the new key");
            assertEquals(200, useOn(a, step1));
            b = restart(b, "b2", newKey + "," + oldKey);
            assertEquals(200, useOn(b, before), "sessions sealed before the rotation still open until they expire");

            // Step 3 (one session TTL after step 2): the old key goes; A first, then B.
            a = restart(a, "a3", newKey);
            String step3 = sessionVia(a);
            assertEquals(200, useOn(b, step3));
            assertEquals(200, useOn(a, step2));
            assertEquals(404, useOn(a, before), "a session sealed with the removed key is refused: wait one TTL before step 3");
            b = restart(b, "b3", newKey);
            assertEquals(200, useOn(b, step3));
            assertEquals(200, useOn(b, step2));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void podsThatShareStateRefuseToStartWithoutASessionKey() {
        GatewayProcess keyless = GatewayProcess.launch("keyless", work, config, null, shared);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !keyless.isAlive());
            String log = keyless.logTail(20_000);
            assertTrue(log.contains("warden.gateway.session.keys is not set"), log);
            assertTrue(log.contains("warden.gateway.session.allow-ephemeral-key=true"), log);
        } finally {
            keyless.close();
        }
        GatewayProcess allowed = GatewayProcess.launch("keyless-allowed", work, config, null,
                Map.of("warden.gateway.cluster.redis-url", redis.uri(), "warden.gateway.session.allow-ephemeral-key", "true"))
                .awaitHealthy();
        try {
            assertNotNull(sessionVia(allowed));
            assertTrue(allowed.logTail(20_000).contains("random per-process key"));
            assertFalse(allowed.logTail(20_000).contains("is not set, but"));
        } finally {
            allowed.close();
        }
    }

    private GatewayProcess pod(String name, String keys) {
        return GatewayProcess.launch(name, work, config, keys, shared).awaitHealthy();
    }

    /** A rolling deploy's one step for one pod: stop it, start it with its new key list. */
    private GatewayProcess restart(GatewayProcess pod, String name, String keys) {
        pod.close();
        return pod(name, keys);
    }

    private String sessionVia(GatewayProcess pod) {
        RawMcpClient client = new RawMcpClient(pod.mcpUrl("fixture")).header("Authorization", "Bearer " + token);
        client.initialize(LEGACY);
        assertNotNull(client.sessionId(), pod + " minted no session");
        return client.sessionId();
    }

    /** The status of a tools/list in {@code session} through {@code pod}: 200, or 404 when the pod cannot open it. */
    private int useOn(GatewayProcess pod, String session) {
        RawMcpClient client = new RawMcpClient(pod.mcpUrl("fixture")).header("Authorization", "Bearer " + token)
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY);
        RawMcpClient.Exchange list = client.request("tools/list", null);
        if (list.status() == 200) {
            assertTrue(list.result().get("tools").size() > 0, list.body());
        }
        return list.status();
    }
}
