package io.warden.e2e;

import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
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
 * The packaged gateway ({@code gateway-service/target/quarkus-app/quarkus-run.jar}) as a child process on a free
 * loopback port, in standalone mode, ready once {@code /q/health} says UP.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final ManagedProcess process;

    private GatewayProcess(String name, int port, ManagedProcess process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts one instance. Instances that share {@code sessionKey} accept each other's session ids.
     *
     * @param workDir where its log and decision log go
     */
    static GatewayProcess start(String name, Path config, String sessionKey, Path workDir) {
        int port = FreePorts.next();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dwarden.gateway.id=" + name,
                "-Dwarden.gateway.standalone.file=" + config,
                "-Dwarden.gateway.decision-log.file=" + workDir.resolve(name + "-decisions.jsonl"),
                "-Dwarden.gateway.session.keys=" + sessionKey,
                "-jar", jar().toString()));
        ManagedProcess process = ManagedProcess.start("gateway-" + name, command, workDir, Map.of(),
                workDir.resolve(name + ".log"));
        GatewayProcess gateway = new GatewayProcess(name, port, process);
        try {
            Poll.until(STARTUP, gateway::healthy, () -> "gateway " + name + " not UP on port " + port
                    + (process.isAlive() ? "" : " (exited)") + "; log:\n" + process.logTail(4000));
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    /** The packaged gateway; built by the reactor before this module (e2e-tests depends on gateway-service). */
    static Path jar() {
        Path jar = Path.of(System.getProperty("warden.gateway.jar",
                "../gateway-service/target/quarkus-app/quarkus-run.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged gateway at " + jar
                    + "; build it first: ./mvnw -B -q -pl gateway-service -am install -DskipTests");
        }
        return jar;
    }

    private boolean healthy() {
        if (!process.isAlive()) {
            throw new IllegalStateException("exited");
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Streamable HTTP endpoint of one configured server. */
    String mcpUrl(String server) {
        return baseUrl() + "/mcp/" + server;
    }

    String logTail(int maxChars) {
        return process.logTail(maxChars);
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
