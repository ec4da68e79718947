package io.warden.policyservice.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import io.warden.testsupport.postgres.PostgresServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Approvals survive a restart of policy-service: the packaged service ({@code -Dwarden.policy.jar}) is stopped and
 * started again on the same PostgreSQL. A pending approval is still pending and can be approved; an approved one is
 * spent exactly once; the webhook messages written before the restart, while the receiver was down, arrive after it.
 */
class ApprovalRestartIT {
    private static final String ADMIN_KEY = "restart-admin-key-0123456789abcdef";
    private static final String SECRET = "restart-webhook-secret-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void pendingAndApprovedApprovalsSurviveARestart() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "approval-restart-it")).toAbsolutePath();
        int receiverPort = FreePorts.next();
        try (PostgresServer postgres = PostgresServer.launch()) {
            postgres.createDatabase("warden");
            Map<String, String> settings = settings(postgres, FreePorts.next(), receiverPort);

            Approval pending;
            Approval approved;
            try (ManagedProcess first = start(work, settings, 1); Gateway gateway = gateway(settings)) {
                pending = gateway.stub().request(Gateway.call().build());
                approved = gateway.stub().request(Gateway.call().build());
                assertEquals(200, post(settings, "/api/approvals/" + approved.getId() + "/approve"));
                first.stop(Duration.ofSeconds(20));
                assertFalse(first.isAlive());
            }

            List<String> received = new CopyOnWriteArrayList<>();
            HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", receiverPort), 0);
            receiver.createContext("/hook", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String ts = exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER);
                boolean valid = WebhookSignature.sign(SECRET, ts, body)
                        .equals(exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER));
                if (valid) {
                    received.add(body);
                }
                exchange.sendResponseHeaders(valid ? 204 : 401, -1);
                exchange.close();
            });
            receiver.start();
            try (ManagedProcess second = start(work, settings, 2); Gateway gateway = gateway(settings)) {
                assertEquals(ApprovalState.PENDING, get(gateway, pending).getState());
                assertEquals(ApprovalState.APPROVED, get(gateway, approved).getState());
                assertTrue(gateway.stub().consume(spend(approved)).getConsumed());
                assertEquals("already_used", gateway.stub().consume(spend(approved)).getRefusal());

                assertEquals(200, post(settings, "/api/approvals/" + pending.getId() + "/approve"));
                assertTrue(gateway.stub().consume(spend(pending)).getConsumed());
                assertFalse(gateway.stub().consume(spend(pending)).getConsumed());

                // both announcements were in the outbox when the first process stopped; the second delivers them
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        received.stream().anyMatch(b -> b.contains(pending.getId()))
                                && received.stream().anyMatch(b -> b.contains(approved.getId())));
                second.stop(Duration.ofSeconds(20));
            } finally {
                receiver.stop(0);
            }
        }
    }

    private static Map<String, String> settings(PostgresServer postgres, int port, int receiverPort) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("quarkus.http.port", String.valueOf(port));
        s.put("quarkus.http.host", "127.0.0.1");
        s.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl("warden"));
        s.put("quarkus.datasource.username", postgres.username());
        s.put("quarkus.datasource.password", postgres.password());
        s.put("warden.policy.bootstrap-admin-key", ADMIN_KEY);
        s.put("warden.policy.crypto.keys.v1", "Ycr96SyMpGT5ZXBmrLqdBFALCeLy/sMATw64ti5YNZo=");
        s.put("warden.policy.distribution.gateway-keys", Gateway.KEY);
        s.put("warden.policy.approvals.webhook.url", "http://127.0.0.1:" + receiverPort + "/hook");
        s.put("warden.policy.approvals.webhook.secret", SECRET);
        s.put("warden.policy.approvals.webhook.initial-backoff", "PT0.2S");
        s.put("warden.policy.approvals.webhook.max-backoff", "PT1S");
        s.put("warden.policy.approvals.webhook.max-attempts", "100");
        s.put("warden.policy.approvals.webhook.poll-interval", "PT1S");
        return s;
    }

    private static ManagedProcess start(Path work, Map<String, String> settings, int n) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar().toString());
        ManagedProcess process = ManagedProcess.start("policy-service-" + n, cmd, work, Map.of(),
                work.resolve("policy-service-" + n + ".log"));
        Poll.until(Duration.ofSeconds(90), () -> ready(settings), () -> !process.isAlive(),
                () -> "policy-service did not become ready; log:\n" + process.logTail(4000));
        return process;
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("warden.policy.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged policy-service at " + jar + "; run `verify`, not `test`");
        }
        return jar;
    }

    private static boolean ready(Map<String, String> settings) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base(settings) + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int post(Map<String, String> settings, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base(settings) + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"comment\":\"after checking\"}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String base(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("quarkus.http.port");
    }

    private static Gateway gateway(Map<String, String> settings) {
        return new Gateway(Integer.parseInt(settings.get("quarkus.http.port")), Gateway.KEY);
    }

    private static Approval get(Gateway gateway, Approval a) {
        return gateway.stub().get(ApprovalRef.newBuilder().setId(a.getId()).build());
    }

    private static ConsumeRequest spend(Approval a) {
        return ConsumeRequest.newBuilder().setId(a.getId()).setGrantId(a.getGrantId()).setServer(a.getServer())
                .setTool(a.getTool()).setArgumentDigest(a.getArgumentDigest()).setGatewayId("gw-restart").build();
    }
}
