package io.warden.e2e;

import io.warden.api.GrantTokens;
import io.warden.stack.PackagedService;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.Poll;
import io.warden.testsupport.postgres.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The packaged audit-service ({@code audit-service/target/quarkus-app/quarkus-run.jar}, {@code -Dwarden.audit.jar})
 * as a child JVM on a free loopback port: it reads decisions from Kafka, stores them in PostgreSQL and serves them to
 * one viewer API key. It can be killed and started again on the same port and database; each start logs to
 * {@code <workDir>/audit-service-<start>.log}.
 */
final class AuditServiceProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int port = FreePorts.next();
    private final Path workDir;
    private final String apiKey;
    private final Map<String, String> settings;
    private PackagedService process;
    private int starts;

    /**
     * @param database  the PostgreSQL database audit-service owns (its schema is migrated at start)
     * @param keyName   the name the viewer key is configured under
     * @param apiKey    the viewer key; only its hash goes on the command line
     */
    AuditServiceProcess(Path workDir, PostgresServer postgres, String database, String kafkaBootstrapServers,
                        String keyName, String apiKey) {
        this.workDir = workDir;
        this.apiKey = apiKey;
        settings = Map.of("quarkus.http.port", String.valueOf(port), "quarkus.http.host", "127.0.0.1",
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(database), "quarkus.datasource.username",
                postgres.username(), "quarkus.datasource.password", postgres.password(),
                "kafka.bootstrap.servers", kafkaBootstrapServers, "warden.audit.ingest.poll-timeout", "50ms",
                "warden.audit.api-keys[0].name", keyName, "warden.audit.api-keys[0].hash", GrantTokens.hash(apiKey),
                "warden.audit.api-keys[0].role", "viewer");
    }

    /** Starts it; does not wait (see {@link #awaitServing()}), so that other parts can boot meanwhile. */
    AuditServiceProcess launch() {
        // Readiness is the viewer key's answer (awaitServing), not the launcher's probe path.
        process = PackagedApp.service("audit-service", "audit-service", "audit", port, workDir,
                workDir.resolve("audit-service-" + (starts++) + ".log"), "/q/health/ready", settings).launch();
        return this;
    }

    /** Waits until the decisions API answers the viewer key; fails with the log's tail if it exits or time runs out. */
    AuditServiceProcess awaitServing() {
        PackagedService started = process;
        Poll.until(STARTUP, () -> get("/api/decisions?limit=1").statusCode() == 200, () -> !started.isAlive(),
                () -> "audit-service is not serving; log:\n" + started.logTail(4000));
        return this;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** A GET with the viewer key. */
    HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + apiKey).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown, no offset commit beyond what it had committed. */
    void kill() {
        process.kill();
    }

    @Override
    public void close() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
        }
    }
}
