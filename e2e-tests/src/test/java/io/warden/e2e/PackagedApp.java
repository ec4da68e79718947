package io.warden.e2e;

import io.warden.stack.PackagedService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the gateway, policy-service and audit-service launchers of these tests share beyond local-stack's
 * {@link PackagedService}, which runs them: where their fast-jars are, and how small their JVMs run.
 */
final class PackagedApp {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    /** A small heap and a quick start: several services run side by side on a test machine. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private PackagedApp() {
    }

    /**
     * {@code <module>/target/quarkus-app/quarkus-run.jar}: from {@code -Dwarden.e2e.<name>.jar}, else
     * {@code -Dwarden.<name>.jar} (set by the module's Failsafe configuration), else found above the working directory.
     */
    static Path jar(String module, String name) {
        String configured = System.getProperty("warden.e2e." + name + ".jar", System.getProperty("warden." + name + ".jar"));
        Path jar = null;
        if (configured != null && !configured.isBlank()) {
            jar = Path.of(configured).toAbsolutePath().normalize();
        } else {
            for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null && jar == null; d = d.getParent()) {
                Path candidate = d.resolve(module + "/target/quarkus-app/quarkus-run.jar");
                jar = Files.isRegularFile(candidate) ? candidate : null;
            }
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged " + module + " at " + (jar == null ? module + "/target/quarkus-app"
                    : jar) + "; build it first (./mvnw -B -pl e2e-tests -am verify does) or set -Dwarden.e2e." + name + ".jar");
        }
        return jar;
    }

    /**
     * One service of {@code module}, run by local-stack's launcher from the jar found here, in {@code workDir}, logging
     * to {@code log}; ready when {@code readyPath} answers 200.
     */
    static PackagedService service(String processName, String module, String name, int port, Path workDir, Path log,
                                   String readyPath, Map<String, String> settings) {
        return new PackagedService(processName, jar(module, name), port, workDir, log, readyPath, settings, JVM_OPTIONS);
    }

    /** A GET of {@code url} whatever its status (e.g. a 503 from a health endpoint); fails when nothing answers. */
    static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
