package io.warden.e2e;

import io.warden.stack.PackagedService;
import io.warden.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged gateway ({@code gateway-service/target/quarkus-app/quarkus-run.jar}) as a child JVM on a free loopback
 * port, reading a standalone file; ready once {@code /q/health} says UP. Instances given the same session key accept
 * each other's session ids; instances given the same Redis share limits, streams and revocations. The jar is
 * {@code -Dwarden.e2e.gateway.jar}, else {@code -Dwarden.gateway.jar} (set by the module's Failsafe configuration),
 * else found above the working directory.
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final String name;
    private final Path decisionLog;
    private final Map<String, String> settings;
    private final PackagedService process;

    private GatewayProcess(String name, Path decisionLog, Map<String, String> settings, PackagedService process) {
        this.name = name;
        this.decisionLog = decisionLog;
        this.settings = settings;
        this.process = process;
    }

    /** Starts one instance in standalone mode (no Redis) and waits until it is healthy. */
    public static GatewayProcess start(String name, Path standaloneFile, String sessionKey, Path workDir) {
        return launch(name, workDir, standaloneFile, sessionKey, Map.of()).awaitHealthy();
    }

    /**
     * Starts a gateway; does not wait (see {@link #awaitHealthy()}), so several can boot in parallel.
     *
     * @param workDir  where its log ({@code <name>.log}) and decision log go
     * @param settings further system properties, e.g. {@code warden.gateway.ratelimit.redis-url}
     */
    public static GatewayProcess launch(String name, Path workDir, Path standaloneFile, String sessionKey,
                                        Map<String, String> settings) {
        int port = FreePorts.next();
        Path decisions = workDir.resolve(name + "-decisions.jsonl");
        Map<String, String> all = new LinkedHashMap<>();
        all.put("quarkus.http.port", String.valueOf(port));
        all.put("quarkus.http.host", "127.0.0.1");
        all.put("quarkus.log.category.\"io.warden\".level", "INFO");
        all.put("warden.gateway.id", name);
        all.put("warden.gateway.standalone.file", standaloneFile.toString());
        all.put("warden.gateway.decision-log.file", decisions.toString());
        if (sessionKey != null) { // null: none configured, as an operator may forget (SessionKeyRotationIT)
            all.put("warden.gateway.session.keys", sessionKey);
        }
        all.putAll(settings);
        PackagedService p = PackagedApp.service("gateway-" + name, "gateway-service", "gateway", port, workDir,
                workDir.resolve(name + ".log"), "/q/health", all);
        return new GatewayProcess(name, decisions, Map.copyOf(all), p.launch());
    }

    /** Waits until {@code /q/health} says UP; stops the process and fails if it does not. */
    public GatewayProcess awaitHealthy() {
        try {
            process.awaitReady(STARTUP);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    public String name() {
        return name;
    }

    public int port() {
        return process.port();
    }

    public String baseUrl() {
        return process.baseUrl();
    }

    /** A GET of one of its own paths, e.g. {@code /q/health/ready}, whatever the status. */
    public HttpResponse<String> get(String path) {
        return PackagedApp.get(baseUrl() + path);
    }

    /** Streamable HTTP endpoint of one configured server. */
    public String mcpUrl(String server) {
        return baseUrl() + "/mcp/" + server;
    }

    public URI endpoint(String server) {
        return URI.create(mcpUrl(server));
    }

    /** One of the system properties it was started with, or null. */
    public String setting(String key) {
        return settings.get(key);
    }

    /** The decision log lines written so far (the log is written asynchronously). */
    public List<String> decisions() {
        try {
            return Files.exists(decisionLog) ? Files.readAllLines(decisionLog) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(int maxChars) {
        return process.logTail(maxChars);
    }

    /** The process id (for measuring its memory). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as when a pod dies: no shutdown, no goodbye to Redis or to clients. */
    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return "gateway " + name + " on " + baseUrl();
    }
}
