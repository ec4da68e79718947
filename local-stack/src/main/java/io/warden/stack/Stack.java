package io.warden.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.api.GrantTokens;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.Poll;
import io.warden.testsupport.kafka.KafkaProcess;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresServer;
import io.warden.testsupport.redis.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The whole distributed system on loopback, every part a real process: Redis, a Kafka broker, PostgreSQL, the MCP
 * fixture server as the demo upstream, policy-service, audit-service, N gateways in connected mode (Redis limits,
 * decisions to Kafka) and a connection-level round-robin {@link Balancer} in front of them. {@link #start} returns once
 * an MCP call through the balancer works with the demo grant it seeded through the admin API.
 *
 * <p>Used as a library by the end-to-end fault tests and the benchmark (which stop and kill parts of it), and by
 * {@link StackCli} ({@code bin/warden-stack}). Every log goes to {@code <dir>/logs}, data to {@code <dir>/data}.
 */
public final class Stack implements AutoCloseable {
    public static final String DEMO_SERVER = "demo";
    public static final String DEMO_POLICY = "demo";
    public static final String DEMO_GRANT = "demo";
    /** The demo policy: echo and add allowed, echo limited through Redis (fail closed), everything else denied. */
    public static final String DEMO_POLICY_JSON = """
            {"version": "1", "default": "deny", "on_limiter_error": "closed",
             "tools": {"echo": {"limits": [{"counter": "demo_echo", "window": "minute", "max": 600, "scope": "grant"}]},
                       "add": {}}}
            """;
    private static final Duration SERVICE_STARTUP = Duration.ofSeconds(180);

    /** What to start. {@code gatewaySettings} are extra system properties for every gateway (tests: shorter timers). */
    public record Options(Path dir, int gateways, int balancerPort, Map<String, String> gatewaySettings,
                          List<String> jvmOptions) {
        public Options {
            if (gateways < 1) {
                throw new IllegalArgumentException("at least one gateway");
            }
            dir = dir.toAbsolutePath().normalize();
            gatewaySettings = Map.copyOf(gatewaySettings);
            jvmOptions = List.copyOf(jvmOptions);
        }

        public static Options of(Path dir, int gateways) {
            return new Options(dir, gateways, 0, Map.of(), List.of("-Xmx384m", "-XX:+UseSerialGC"));
        }

        public Options withGatewaySettings(Map<String, String> settings) {
            return new Options(dir, gateways, balancerPort, settings, jvmOptions);
        }

        public Options withJvmOptions(List<String> options) {
            return new Options(dir, gateways, balancerPort, gatewaySettings, options);
        }
    }

    /** The secrets of one run, all random: they live in the processes' owner-only config files and nowhere else. */
    public record Secrets(String adminKey, String auditKey, String sessionKey, String cryptoKey, String gatewayKey,
                          String digestKey) {
        static Secrets random() {
            return new Secrets("wadm_" + GrantTokens.randomSecret(), "waud_" + GrantTokens.randomSecret(), key32(),
                    key32(), "wgw_" + GrantTokens.randomSecret(), key32());
        }

        private static String key32() {
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
            return Base64.getEncoder().encodeToString(k);
        }
    }

    private final Options options;
    private final Secrets secrets = Secrets.random();
    private final Path logs;
    private final Path data;
    private RedisServer redis;
    private KafkaProcess kafka;
    private PostgresServer postgres;
    private NodeMcpServer upstream;
    private PackagedService policy;
    private PackagedService audit;
    private final List<PackagedService> gateways = new ArrayList<>();
    private Balancer balancer;
    private String demoToken;

    /** {@code up | down | status} (and {@code run}, the supervisor {@code up} starts): see {@link StackCli}. */
    public static void main(String[] args) {
        System.exit(StackCli.run(args));
    }

    private Stack(Options options) {
        this.options = options;
        this.logs = options.dir().resolve("logs");
        this.data = options.dir().resolve("data");
    }

    /** Starts everything (a fresh {@code data} folder), seeds the demo and checks one call end to end. */
    public static Stack start(Options options) {
        Stack stack = new Stack(options);
        try {
            stack.boot();
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void boot() {
        try {
            Commands.deleteTree(data);
            Files.createDirectories(logs);
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The backends, each quick (Kafka takes the longest): in turn, so a failure names its culprit.
        redis = RedisServer.launchIn(data.resolve("redis"), logs.resolve("redis.log"));
        postgres = PostgresServer.launchIn(data.resolve("postgres"), logs.resolve("postgres.log"));
        postgres.createDatabase("warden_policy");
        postgres.createDatabase("warden_audit");
        kafka = KafkaProcess.start(data.resolve("kafka"), logs.resolve("kafka.log"));
        upstream = NodeMcpServer.fixtureLoggingTo(logs.resolve("upstream.log"));

        policy = new PackagedService("policy-service", "policy-service", FreePorts.next(), data.resolve("policy-service"),
                logs.resolve("policy-service.log"), "/q/health/ready", Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl("warden_policy"),
                "quarkus.datasource.username", postgres.username()), Map.of(
                "quarkus.datasource.password", postgres.password(),
                "warden.policy.bootstrap-admin-key", secrets.adminKey(),
                "warden.policy.crypto.keys.v1", secrets.cryptoKey(),
                "warden.policy.distribution.gateway-keys", secrets.gatewayKey()), options.jvmOptions());
        audit = new PackagedService("audit-service", "audit-service", FreePorts.next(), data.resolve("audit-service"),
                logs.resolve("audit-service.log"), "/q/health/ready", Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl("warden_audit"),
                "quarkus.datasource.username", postgres.username(),
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "warden.audit.ingest.poll-timeout", "50ms"), Map.of(
                "quarkus.datasource.password", postgres.password(),
                "warden.audit.api-keys[0].name", "local-stack",
                "warden.audit.api-keys[0].hash", GrantTokens.hash(secrets.auditKey()),
                "warden.audit.api-keys[0].role", "viewer"), options.jvmOptions());
        policy.launch();
        audit.launch();
        policy.awaitReady(SERVICE_STARTUP);
        seedDemo();

        for (int i = 1; i <= options.gateways(); i++) {
            gateways.add(gateway(i).launch());
        }
        audit.awaitReady(SERVICE_STARTUP);
        // Boot in parallel, wait for each; a gateway is healthy once it holds policy-service's snapshot.
        CompletableFuture.allOf(gateways.stream()
                .map(g -> CompletableFuture.runAsync(() -> g.awaitReady(SERVICE_STARTUP)))
                .toArray(CompletableFuture[]::new)).join();
        balancer = Balancer.perConnection(options.balancerPort(), gateways.stream().map(PackagedService::port).toList());
        awaitDemoCall();
    }

    /** This machine's cores divided among {@code gateways}, at least one each. */
    static int eventLoopsPerGateway(int gateways) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, gateways));
    }

    private PackagedService gateway(int n) {
        String name = "gateway-" + n;
        Path run = data.resolve(name);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("warden.gateway.id", name);
        settings.put("warden.gateway.standalone.file", run.resolve("unused-in-connected-mode.yaml").toString());
        settings.put("warden.gateway.connected.endpoints", "127.0.0.1:" + policy.port());
        settings.put("warden.gateway.connected.snapshot-file", run.resolve("snapshot.bin").toString());
        settings.put("warden.gateway.connected.reconnect-max", "2s");
        settings.put("warden.gateway.ratelimit.redis-url", redis.uri());
        settings.put("warden.gateway.ratelimit.live-gateways", String.valueOf(options.gateways()));
        // ~10 JVMs share this machine: the production deadline (25ms) would turn a GC pause into a limiter outage
        settings.put("warden.gateway.ratelimit.deadline", "250ms");
        settings.put("warden.gateway.decision-log.destinations", "file,kafka");
        settings.put("warden.gateway.decision-log.file", run.resolve("decisions.jsonl").toString());
        settings.put("warden.gateway.decision-log.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("warden.gateway.decision-log.kafka.spool-dir", run.resolve("spool").toString());
        settings.put("warden.gateway.decision-log.kafka.ack-timeout", "2s");
        settings.put("warden.gateway.decision-log.kafka.retry-interval", "1s");
        // The gateways share this machine's cores as pods share a node: each gets its share of event loops (Vert.x
        // would give each twice the machine's cores). A gateway with more loops than its share of CPU only switches
        // between them: three gateways on two cores with four loops each cost 15 % more CPU per call than with one
        // (docs/benchmarks.md, "Event loops per gateway").
        settings.put("quarkus.vertx.event-loops-pool-size", String.valueOf(eventLoopsPerGateway(options.gateways())));
        settings.putAll(options.gatewaySettings());
        return new PackagedService(name, "gateway-service", FreePorts.next(), run, logs.resolve(name + ".log"),
                "/q/health", settings, Map.of(
                "warden.gateway.session.keys", secrets.sessionKey(),
                "warden.gateway.connected.gateway-key", secrets.gatewayKey(),
                "warden.gateway.connected.crypto.keys.v1", secrets.cryptoKey(),
                "warden.gateway.decision-log.digest-key", secrets.digestKey()), options.jvmOptions());
    }

    private void seedDemo() {
        ApiClient admin = admin();
        admin.call("POST", "/api/servers", ApiClient.JSON.createObjectNode().put("id", DEMO_SERVER)
                .put("name", "Demo MCP server (Warden's fixture)").put("url", upstream.url()).toString());
        admin.call("POST", "/api/policies/" + DEMO_POLICY, DEMO_POLICY_JSON);
        JsonNode minted = admin.call("POST", "/api/grants", ApiClient.JSON.createObjectNode().put("id", DEMO_GRANT)
                .put("label", "Demo agent").put("server", DEMO_SERVER).put("policy", DEMO_POLICY).toString());
        demoToken = minted.path("token").asText();
    }

    /**
     * The grant reaches every gateway through the snapshot stream: wait until a call works on each gateway directly
     * (which also opens its Redis and Kafka connections), then through the balancer.
     */
    private void awaitDemoCall() {
        for (PackagedService g : gateways) {
            awaitEcho(g.baseUrl() + "/mcp/" + DEMO_SERVER, g.name());
        }
        awaitEcho(mcpUrl(), "the balancer");
    }

    private void awaitEcho(String url, String via) {
        String[] last = {"no attempt"};
        Poll.until(Duration.ofSeconds(60), () -> {
            try {
                RawMcpClient c = new RawMcpClient(url).header("Authorization", "Bearer " + demoToken);
                c.initialize("2025-11-25");
                RawMcpClient.Exchange e = c.callTool("echo", Map.of("message", "stack is up"));
                last[0] = e.status() + " " + e.body();
                return e.status() == 200 && e.body().contains("stack is up") && !e.body().contains("\"isError\":true");
            } catch (RuntimeException | AssertionError e) {
                last[0] = String.valueOf(e.getMessage());
                return false;
            }
        }, () -> "no MCP call through " + via + " succeeded; last answer: " + last[0]);
    }

    /** The Streamable HTTP endpoint of the demo server through the balancer. */
    public String mcpUrl() {
        return mcpUrl(DEMO_SERVER);
    }

    public String mcpUrl(String server) {
        return balancer.baseUrl() + "/mcp/" + server;
    }

    public String demoToken() {
        return demoToken;
    }

    public Secrets secrets() {
        return secrets;
    }

    public ApiClient admin() {
        return new ApiClient(policy.baseUrl(), secrets.adminKey());
    }

    public ApiClient auditApi() {
        return new ApiClient(audit.baseUrl(), secrets.auditKey());
    }

    public Options options() {
        return options;
    }

    public RedisServer redis() {
        return redis;
    }

    public KafkaProcess kafka() {
        return kafka;
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public NodeMcpServer upstream() {
        return upstream;
    }

    public PackagedService policyService() {
        return policy;
    }

    public PackagedService auditService() {
        return audit;
    }

    public List<PackagedService> gateways() {
        return List.copyOf(gateways);
    }

    public Balancer balancer() {
        return balancer;
    }

    public Path logs() {
        return logs;
    }

    /** Every part by name: process id (-1 when down) and port, for the state file and {@code status}. */
    public Map<String, long[]> parts() {
        Map<String, long[]> parts = new LinkedHashMap<>();
        parts.put("redis", new long[] {redis.pid(), redis.port()});
        parts.put("postgres", new long[] {postgres.pid(), postgres.port()});
        parts.put("kafka", new long[] {kafka.pid(), Long.parseLong(kafka.bootstrapServers().split(":")[1])});
        parts.put("upstream", new long[] {upstream.pid(), upstream.port()});
        parts.put("policy-service", new long[] {policy.pid(), policy.port()});
        parts.put("audit-service", new long[] {audit.pid(), audit.port()});
        gateways.forEach(g -> parts.put(g.name(), new long[] {g.pid(), g.port()}));
        parts.put("balancer", new long[] {ProcessHandle.current().pid(), balancer.port()});
        return parts;
    }

    /** Stops everything: the balancer and gateways first (they flush their decisions), the backends last. */
    @Override
    public void close() {
        List<AutoCloseable> order = new ArrayList<>();
        order.add(balancer);
        order.addAll(gateways);
        order.add(audit);
        order.add(policy);
        order.add(upstream);
        order.add(kafka);
        order.add(redis);
        order.add(postgres);
        for (AutoCloseable c : order) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep stopping the rest
            }
        }
    }
}
