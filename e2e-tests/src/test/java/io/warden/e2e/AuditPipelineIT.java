package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.kafka.KafkaProcess;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The audit pipeline end to end, every part real and in its own process: two packaged gateways publish decisions to a
 * Kafka broker (its own JVM, on fixed ports so that it can die and come back), the packaged audit-service stores them
 * in PostgreSQL and serves them over HTTP. Each outcome a client causes through either gateway appears in the API
 * with the right fields within 2 s; a broker outage while calls keep flowing loses nothing and stores nothing twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditPipelineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUDIT_KEY = "e2e-audit-viewer-key-" + Long.toHexString(System.nanoTime());
    private static final String LEGACY = "2025-11-25";

    private final String token = GrantTokens.mint();
    /** A credential the gateway sends upstream: it must never reach the topic, the database or a log. */
    private static final String UPSTREAM_SECRET = "upstream-secret-" + Long.toHexString(System.nanoTime());
    private Path config;
    private String sessionKey;
    private Path work;
    private PostgresServer postgres;
    private KafkaProcess kafka;
    private AuditServiceProcess audit;
    private NodeMcpServer fixture;
    private final List<GatewayProcess> gateways = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        work = Path.of("target", "audit-pipeline").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        postgres = PostgresServer.launch();
        String database = postgres.createDatabase("warden_audit");
        kafka = KafkaProcess.start(work.resolve("kafka"));
        fixture = NodeMcpServer.fixture();
        audit = new AuditServiceProcess(work, postgres, database, kafka.bootstrapServers(), "e2e", AUDIT_KEY).launch();

        Path config = work.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: fixture, url: "%s", headers: {X-Upstream-Key: "%s"}}
                grants:
                  - {id: pipeline, label: Audit pipeline agent, server: fixture, token_hash: "%s", policy: audited}
                policies:
                  audited:
                    version: "1"
                    default: deny
                    hide: [add]
                    tools:
                      echo: {}
                      sleep:
                        limits: [{counter: sleeps, window: hour, max: 1, scope: grant}]
                """.formatted(fixture.url(), UPSTREAM_SECRET, GrantTokens.hash(token)));
        this.config = config;
        sessionKey = SessionKeys.generate();
        for (String name : List.of("audit-a", "audit-b")) {
            gateways.add(launchGateway(name));
        }
        gateways.forEach(GatewayProcess::awaitHealthy);
        audit.awaitServing();
    }

    private GatewayProcess launchGateway(String name) {
        return GatewayProcess.launch(name, work, config, sessionKey, Map.of(
                "warden.gateway.decision-log.destinations", "file,kafka",
                "warden.gateway.decision-log.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "warden.gateway.decision-log.kafka.spool-dir", work.resolve(name + "-spool").toString(),
                "warden.gateway.decision-log.kafka.ack-timeout", "2s",
                "warden.gateway.decision-log.kafka.retry-interval", "500ms",
                "warden.gateway.decision-log.heartbeat-interval", "1s"));
    }

    @AfterAll
    void stop() {
        List<AutoCloseable> all = new ArrayList<>(gateways);
        all.add(audit);
        all.add(kafka);
        all.add(fixture);
        all.add(postgres);
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Every stored decision of this test's grant, newest first, walking all pages. */
    private List<JsonNode> decisions(String query) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            String path = "/api/decisions?grant=pipeline&limit=200" + query + (cursor == null ? "" : "&cursor=" + cursor);
            JsonNode page = JSON.readTree(audit.get(path).body());
            page.path("items").forEach(out::add);
            cursor = page.path("next_cursor").isTextual() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return out;
    }

    /** The ids of this grant's echo decisions in both gateways' own decision files. */
    private Set<String> echoDecisionsInFiles() {
        return echoDecisionsInFiles(gateways);
    }

    private static Set<String> echoDecisionsInFiles(List<GatewayProcess> gateways) {
        Set<String> ids = new HashSet<>();
        for (GatewayProcess g : gateways) {
            for (String line : g.decisions()) {
                JsonNode d;
                try {
                    d = JSON.readTree(line);
                } catch (IOException partial) {
                    continue; // the last line while the writer is still appending it
                }
                if ("echo".equals(d.path("tool").asText()) && "pipeline".equals(d.path("grant_id").asText())) {
                    ids.add(d.path("id").asText());
                }
            }
        }
        return ids;
    }

    private RawMcpClient client(GatewayProcess gateway) {
        RawMcpClient c = new RawMcpClient(gateway.mcpUrl("fixture")).header("Authorization", "Bearer " + token);
        c.initialize(LEGACY);
        return c;
    }

    private JsonNode awaitDecision(String tool, String outcome, Duration within) {
        JsonNode[] found = new JsonNode[1];
        Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (JsonNode d : decisions("&tool=" + tool + "&outcome=" + outcome)) {
                found[0] = d;
                return true;
            }
            return false;
        });
        return found[0];
    }

    @Test
    void everyOutcomeThroughEitherGatewayIsQueryableWithinTwoSeconds() throws IOException {
        // Warm-up: the consumer has joined its group and both producers have their metadata.
        for (GatewayProcess g : gateways) {
            client(g).callTool("echo", Map.of("message", "warm"));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> decisions("&tool=echo").size() >= 2);

        RawMcpClient viaA = client(gateways.get(0));
        RawMcpClient viaB = client(gateways.get(1));
        assertEquals(200, viaA.callTool("delete_account", Map.of("account_id", "secret-account-42")).status());
        JsonNode denied = awaitDecision("delete_account", "denied", Duration.ofSeconds(2));
        assertEquals("fixture", denied.path("server_id").asText());
        assertEquals("audit-a", denied.path("gateway_id").asText());
        assertEquals("tools/call", denied.path("method").asText());
        assertEquals("[\"account_id\"]", denied.path("argument_keys").toString());
        assertTrue(denied.path("argument_digest").asText().startsWith("hmac-sha256:"), denied.toString());
        assertFalse(denied.toString().contains("secret-account-42"), "argument values are never stored");

        viaB.callTool("add", Map.of("a", 1, "b", 2));
        JsonNode hidden = awaitDecision("add", "hidden", Duration.ofSeconds(2));
        assertEquals("audit-b", hidden.path("gateway_id").asText());

        viaB.callTool("sleep", Map.of("ms", 0));
        JsonNode allowed = awaitDecision("sleep", "allowed", Duration.ofSeconds(2));
        assertEquals(200, allowed.path("upstream_status").asInt());
        viaB.callTool("sleep", Map.of("ms", 0)); // the same pod: without a shared Redis each pod limits alone
        JsonNode limited = awaitDecision("sleep", "rate_limited", Duration.ofSeconds(2));
        assertTrue(limited.path("rule").asText().contains("limits"), limited.toString());
        assertEquals("Audit pipeline agent", limited.path("grant_label").asText());
        assertTrue(limited.path("sequence").asLong() > 0, limited.toString());
        assertTrue(allowed.path("completed").asBoolean(), "the completion merged into the decision: " + allowed);

        // refused before authentication: audited, without the token
        String forged = GrantTokens.mint();
        RawMcpClient anonymous = new RawMcpClient(gateways.get(0).mcpUrl("fixture")).header("Authorization", "Bearer " + forged);
        assertEquals(401, anonymous.callTool("echo", Map.of("message", "x")).status());
        String unauthenticated = "/api/decisions?outcome=unauthenticated&server=fixture&limit=5";
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100)).until(() ->
                audit.get(unauthenticated).body().contains("(unknown token)"));
        assertFalse(audit.get("/api/decisions?outcome=unauthenticated&limit=200").body().contains(forged));
        System.out.println("[audit-e2e] denied, hidden, allowed, rate-limited and unauthenticated decisions queryable within 2 s each");
    }

    /**
     * Kafka dies while calls keep flowing through both gateways and comes back: every decision arrives exactly once
     * (the ids the API returns are the ids the gateways wrote to their own decision files, no more, no fewer).
     */
    @Test
    void aBrokerOutageLosesNoDecisionAndStoresNoneTwice() throws IOException {
        RawMcpClient viaA = client(gateways.get(0));
        RawMcpClient viaB = client(gateways.get(1));
        int before = echoDecisionsInFiles().size();
        String marker = "outage-" + Long.toHexString(System.nanoTime());
        int calls = 0;
        for (int i = 0; i < 10; i++, calls += 2) {
            viaA.callTool("echo", Map.of("message", marker));
            viaB.callTool("echo", Map.of("message", marker));
        }
        kafka.kill();
        for (int i = 0; i < 20; i++, calls += 2) {
            assertEquals(200, viaA.callTool("echo", Map.of("message", marker)).status(), "calls go on while Kafka is away");
            viaB.callTool("echo", Map.of("message", marker));
        }
        kafka.startAgain();
        for (int i = 0; i < 10; i++, calls += 2) {
            viaA.callTool("echo", Map.of("message", marker));
            viaB.callTool("echo", Map.of("message", marker));
        }
        // What the gateways decided, from their own files (written by the same sink, beside Kafka, also asynchronously).
        int made = calls;
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> echoDecisionsInFiles().size() >= before + made);
        Set<String> written = echoDecisionsInFiles();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> decisions("&tool=echo").stream().map(d -> d.path("id").asText()).toList().containsAll(written));
        List<String> stored = decisions("&tool=echo").stream()
                .filter(d -> !d.path("gateway_id").asText().equals("audit-c")) // the gateway another test stops
                .map(d -> d.path("id").asText()).toList();
        assertEquals(stored.size(), new HashSet<>(stored).size(), "no decision stored twice");
        assertEquals(written, new HashSet<>(stored), "exactly the decisions the gateways made");
        assertTrue(written.size() >= before + calls, "every call made a decision: " + written.size() + " of " + (before + calls));
        System.out.println("[audit-e2e] broker killed mid-run: " + calls + " calls, " + written.size()
                + " decisions written by the gateways, " + stored.size() + " stored, none twice");
    }

    /** Calls through both gateways until told to stop; returns how many were answered 200. */
    private static final class Load implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread thread;

        Load(List<RawMcpClient> clients, String marker) {
            thread = new Thread(() -> {
                while (running.get()) {
                    for (RawMcpClient c : clients) {
                        try {
                            if (c.callTool("echo", Map.of("message", marker)).status() == 200) {
                                answered.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            // a gateway going away mid-call: that call has no answer, so no promise either
                        }
                    }
                }
            }, "audit-e2e-load");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    /** Every echo decision the gateways wrote to their own files is stored, and each once. */
    private void assertStoredExactlyOnce(List<GatewayProcess> writers, Set<String> written) throws IOException {
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> decisions("&tool=echo").stream().map(d -> d.path("id").asText()).toList().containsAll(written));
        List<String> stored = decisions("&tool=echo").stream().map(d -> d.path("id").asText()).toList();
        assertEquals(stored.size(), new HashSet<>(stored).size(), "no decision stored twice");
        String dup = postgres.psql("warden_audit", "SELECT count(*) - count(DISTINCT id) FROM decisions");
        assertEquals("0", dup, "one row per decision id");
    }

    /**
     * audit-service dies (SIGKILL) while decisions keep flowing, and comes back: everything the gateways wrote is stored,
     * once (offsets are committed only after the database commit, inserts ignore what is stored).
     */
    @Test
    void anAuditServiceKilledMidStreamLosesNoDecisionAndStoresNoneTwice() throws Exception {
        String marker = "kill9-" + Long.toHexString(System.nanoTime());
        try (Load load = new Load(List.of(client(gateways.get(0)), client(gateways.get(1))), marker)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.answered.get() >= 20);
            audit.kill();
            int atKill = load.answered.get();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.answered.get() >= atKill + 40);
            audit.launch().awaitServing();
            int atRestart = load.answered.get();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.answered.get() >= atRestart + 20);
        }
        Set<String> written = echoDecisionsInFiles();
        assertStoredExactlyOnce(gateways, written);
        System.out.println("[audit-e2e] audit-service killed -9 mid-stream and restarted: " + written.size()
                + " echo decisions written by the gateways, all stored once");
    }

    /** A gateway stopped with SIGTERM under load flushes (or spools) its queue: every decision it wrote is stored. */
    @Test
    void aGatewayStoppedGracefullyUnderLoadLosesNothing() throws Exception {
        GatewayProcess leaving = launchGateway("audit-c").awaitHealthy();
        String marker = "sigterm-" + Long.toHexString(System.nanoTime());
        int answered;
        try (Load load = new Load(List.of(client(leaving)), marker)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.answered.get() >= 50);
            leaving.close(); // SIGTERM, while calls are in flight
            answered = load.answered.get();
        }
        Set<String> written = echoDecisionsInFiles(List.of(leaving));
        assertTrue(written.size() >= answered, "every answered call left a decision: " + written.size() + " of " + answered);
        assertStoredExactlyOnce(List.of(leaving), written);
        String last = leaving.decisions().get(leaving.decisions().size() - 1);
        assertTrue(last.contains("\"kind\":\"heartbeat\"") && last.contains("\"last\":true"),
                "the last record says the instance stopped: " + last);
        System.out.println("[audit-e2e] gateway stopped with SIGTERM under load: " + answered + " calls answered, "
                + written.size() + " decisions written, all stored");
    }

    /**
     * Secrets planted in argument values, the grant token and an upstream credential never appear in the topic, the
     * database or any file the run wrote (logs, decision files, spools).
     */
    @Test
    void plantedSecretsNeverReachTheTopicTheDatabaseOrALog() throws Exception {
        String argumentSecret = "argument-secret-" + Long.toHexString(System.nanoTime());
        RawMcpClient c = client(gateways.get(0));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, c.callTool("echo", Map.of("message", argumentSecret)).status());
            c.callTool("delete_account", Map.of("account_id", argumentSecret));
        }
        new RawMcpClient(gateways.get(1).mcpUrl("fixture")).header("Authorization", "Bearer " + token + "x")
                .callTool("echo", Map.of("message", argumentSecret));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> decisions("&tool=delete_account").size() >= 5);
        List<String> secrets = List.of(argumentSecret, token, UPSTREAM_SECRET);

        for (String secret : secrets) {
            String rows = postgres.psql("warden_audit", "SELECT count(*) FROM (SELECT d::text AS t FROM decisions d"
                    + " UNION ALL SELECT c::text FROM completions c UNION ALL SELECT h::text FROM gateway_heartbeats h) x"
                    + " WHERE strpos(t, '" + secret.replace("'", "''") + "') > 0");
            assertEquals("0", rows, "a secret in PostgreSQL");
        }
        List<String> topic = topicContents();
        assertTrue(topic.size() > 10, "the topic was read: " + topic.size());
        for (String record : topic) {
            for (String secret : secrets) {
                assertFalse(record.contains(secret), "a secret in the Kafka topic");
            }
        }
        try (var files = Files.walk(work)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (f.toString().endsWith(".yaml") || f.startsWith(work.resolve("kafka"))) {
                    continue; // the gateways' configuration holds the upstream credential; Kafka's segments are read above
                }
                String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String secret : secrets) {
                    assertFalse(text.contains(secret), "a secret in " + work.relativize(f));
                }
            }
        }
        System.out.println("[audit-e2e] planted secrets absent from " + topic.size() + " topic records, the database and "
                + "every file of the run");
    }

    /** Every record of the decision topic, from the beginning to its current end. */
    private List<String> topicContents() {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", "secrets-" + System.nanoTime());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        List<String> out = new ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            var partitions = consumer.partitionsFor("warden.decisions").stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.key() + " " + r.value()));
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return out;
    }
}
