package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.warden.testsupport.mcp.RawMcpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Upstream credentials never reach the logs: an upstream URL with user info and an {@code api_key} query, and secret
 * header values, go through calls, an unreachable upstream, an era probe and a configuration reload (an invalid file,
 * then the good one again), with Warden's loggers at DEBUG; the gateway's whole log file is then searched for them.
 */
@QuarkusTest
@TestProfile(SecretsInLogsTest.LogToFile.class)
class SecretsInLogsTest {

    static final Path LOG = logFile();

    public static class LogToFile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GatewayTestBed.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.level", "ALL", "quarkus.log.category.\"io.warden\".level", "DEBUG",
                    "warden.gateway.standalone.poll-interval", "200ms");
        }
    }

    @TestHTTPResource("/mcp/secret-url")
    URI secretUrl;

    @TestHTTPResource("/mcp/secret-down")
    URI secretDown;

    @Test
    void upstreamCredentialsAreNeverLogged() throws Exception {
        RawMcpClient client = new RawMcpClient(secretUrl.toString()).header("Authorization", "Bearer " + GatewayTestBed.SECRET_TOKEN);
        client.initialize("2025-11-25");
        assertTrue(client.request("tools/list", null).result().get("tools").size() > 0);
        assertEquals("hi", client.callTool("echo", Map.of("message", "hi")).result().at("/content/0/text").asText());
        RawMcpClient down = new RawMcpClient(secretDown.toString()).header("Authorization", "Bearer " + GatewayTestBed.SECRET_DOWN_TOKEN);
        assertEquals(502, down.post(down.requestMessage("initialize", null), Map.of()).status());

        // A reload that fails (the bad server's URL carries the secrets too), then one that succeeds.
        Path config = GatewayTestBed.dir.resolve("warden.yaml");
        String good = Files.readString(config);
        String bad = good.replace("servers:\n", "servers:\n  - {id: broken, url: \"" + GatewayTestBed.secretUrl("http://h st:1/mcp")
                + "\"}\n  - {id: relative, url: \"" + GatewayTestBed.secretUrl("mcp") + "\"}\n");
        Files.writeString(config, bad);
        await().atMost(Duration.ofSeconds(30)).until(() -> log().contains("Invalid configuration"));
        Files.writeString(config, good);
        await().atMost(Duration.ofSeconds(30)).until(() -> log().split("Loaded ", -1).length > 2);

        String log = log();
        String fixture = URI.create(GatewayTestBed.fixture.url()).getAuthority();
        assertTrue(log.contains("Upstream secret-url (http://" + fixture + "/mcp) speaks"), "the probe's line is there, cut: " + log);
        assertTrue(log.contains("/servers/0/url"), "the invalid URL was reported: " + log);
        assertTrue(log.contains("upstream unreachable for server secret-down"), log);
        for (String secret : List.of(GatewayTestBed.SECRET_QUERY, GatewayTestBed.SECRET_PASSWORD, GatewayTestBed.SECRET_HEADER,
                "api_key")) {
            assertFalse(log.contains(secret), secret + " must never be logged:\n" + log);
        }
    }

    private static String log() {
        try {
            return Files.exists(LOG) ? Files.readString(LOG) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path logFile() {
        try {
            return Files.createTempDirectory("warden-secrets-log").resolve("gateway.log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
