package io.warden.e2e.ratelimit;

import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One packaged gateway ({@code gateway-service/target/quarkus-app/quarkus-run.jar}) in its own JVM, on a free
 * port, reading a standalone file and sharing Redis with its siblings. The jar is {@code -Dwarden.e2e.gateway.jar},
 * else {@code -Dwarden.gateway.jar} (set by the module's Failsafe configuration), else found above the working
 * directory.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final HttpClient HEALTH = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    final int port;
    final Path decisionLog;
    final String clockOffset;
    private final ManagedProcess process;

    private GatewayProcess(String name, int port, Path decisionLog, String clockOffset, ManagedProcess process) {
        this.name = name;
        this.clockOffset = clockOffset;
        this.port = port;
        this.decisionLog = decisionLog;
        this.process = process;
    }

    /**
     * Starts a gateway; does not wait (see {@link #awaitHealthy()}), so several can boot in parallel.
     *
     * @param clockOffset {@code warden.gateway.clock-offset}, e.g. {@code PT5M}, or null
     * @param deadline {@code warden.gateway.ratelimit.deadline}
     */
    static GatewayProcess launch(String name, Path dir, Path standaloneFile, String sessionKey, String redisUrl,
                                 String clockOffset, Duration deadline) {
        int port = FreePorts.next();
        Path log = dir.resolve(name + ".log");
        Path decisions = dir.resolve(name + "-decisions.jsonl");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.category.\"io.warden\".level=INFO",
                "-Dwarden.gateway.id=" + name,
                "-Dwarden.gateway.standalone.file=" + standaloneFile,
                "-Dwarden.gateway.decision-log.file=" + decisions,
                "-Dwarden.gateway.session.keys=" + sessionKey,
                "-Dwarden.gateway.ratelimit.redis-url=" + redisUrl,
                "-Dwarden.gateway.ratelimit.deadline=" + deadline.toMillis() + "ms"));
        if (clockOffset != null) {
            cmd.add("-Dwarden.gateway.clock-offset=" + clockOffset);
        }
        cmd.add("-jar");
        cmd.add(jar().toString());
        ManagedProcess p = ManagedProcess.start(name, cmd, dir, Map.of(), log);
        return new GatewayProcess(name, port, decisions, clockOffset, p);
    }

    /** Waits until {@code /q/health} answers 200. */
    GatewayProcess awaitHealthy() {
        Poll.until(STARTUP, this::healthy, () -> !process.isAlive(),
                () -> name + " is not healthy; log:\n" + process.logTail(4000));
        return this;
    }

    private boolean healthy() {
        try {
            HttpResponse<Void> r = HEALTH.send(HttpRequest.newBuilder(URI.create(base() + "/q/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    URI endpoint(String server) {
        return URI.create(base() + "/mcp/" + server);
    }

    /** The decision log lines written so far (the log is written asynchronously). */
    List<String> decisions() {
        try {
            return Files.exists(decisionLog) ? Files.readAllLines(decisionLog) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail() {
        return process.logTail(4000);
    }

    static Path jar() {
        String configured = System.getProperty("warden.e2e.gateway.jar", System.getProperty("warden.gateway.jar"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path jar = d.resolve("gateway-service/target/quarkus-app/quarkus-run.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("no gateway-service/target/quarkus-app/quarkus-run.jar above " + dir
                + ": build it first (./mvnw -pl gateway-service -am install -DskipTests) or set -Dwarden.e2e.gateway.jar");
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(5));
    }

    @Override
    public String toString() {
        return name + " on " + port;
    }
}
