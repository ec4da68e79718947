package io.warden.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.stack.PackagedService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The packaged policy-service ({@code policy-service/target/quarkus-app/quarkus-run.jar}, {@code -Dwarden.policy.jar})
 * as a child JVM on a given loopback port, with a small client for its admin API (the bootstrap admin key). It can be
 * stopped and started again on the same port, against the same database.
 */
public final class PolicyServiceProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final Map<String, String> settings;
    private final Path workDir;
    private final String adminKey;
    private PackagedService process;
    private int starts;

    public PolicyServiceProcess(int port, Path workDir, String jdbcUrl, String adminKey, String cryptoKey,
                                String gatewayKey) {
        this("policy-service", port, workDir, jdbcUrl, adminKey, cryptoKey, gatewayKey);
    }

    /**
     * One replica among several on the same database: {@code name} tells their logs apart
     * ({@code <name>-<start>.log}).
     */
    public PolicyServiceProcess(String name, int port, Path workDir, String jdbcUrl, String adminKey, String cryptoKey,
                                String gatewayKey) {
        this.name = name;
        this.port = port;
        this.workDir = workDir;
        this.adminKey = adminKey;
        Map<String, String> s = new LinkedHashMap<>();
        s.put("quarkus.http.port", String.valueOf(port));
        s.put("quarkus.http.host", "127.0.0.1");
        s.put("quarkus.datasource.jdbc.url", jdbcUrl);
        s.put("quarkus.datasource.username", "postgres");
        s.put("quarkus.datasource.password", "postgres");
        s.put("warden.policy.bootstrap-admin-key", adminKey);
        s.put("warden.policy.crypto.keys.v1", cryptoKey);
        s.put("warden.policy.distribution.gateway-keys", gatewayKey);
        this.settings = s;
    }

    /** A further setting (e.g. {@code warden.policy.audit-service.url}), for the next {@link #start()}. */
    public PolicyServiceProcess with(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** Starts it and waits until it is ready. */
    public PolicyServiceProcess start() {
        // A new launcher each start: the settings may have changed since, and each start logs to its own file.
        process = PackagedApp.service(name, "policy-service", "policy", port, workDir,
                workDir.resolve(name + "-" + (++starts) + ".log"), "/q/health/ready", settings);
        process.start(STARTUP); // assigned first: a start that fails is still stopped by close()
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** host:port, as gateways name it in warden.gateway.connected.endpoints. */
    public String endpoint() {
        return "127.0.0.1:" + port;
    }

    /**
     * One counter or gauge of {@code /q/metrics} since this process started, e.g.
     * {@code warden_snapshot_events_total{kind="resumed"}}; 0 when it is not there yet.
     */
    public double metric(String series) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/metrics"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET /q/metrics → " + r.statusCode());
            }
            return r.body().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                    .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip())).orElse(0.0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One admin API call; fails unless the status is 2xx. Returns the JSON answer (or null for 204). */
    public JsonNode call(String method, String path, String body) {
        return call(method, path, body, adminKey);
    }

    /** The same with another member's API key (e.g. a policy_manager's), to exercise the roles. */
    public JsonNode call(String method, String path, String body, String apiKey) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + apiKey)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new AssertionError(method + " " + path + " → " + r.statusCode() + ": " + r.body());
            }
            return r.body().isEmpty() ? null : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String logTail(int maxChars) {
        return process == null ? "" : process.logTail(maxChars);
    }

    /** Stops it (SIGTERM, then SIGKILL after the grace). */
    public void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(10));
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name + " on " + baseUrl();
    }
}
