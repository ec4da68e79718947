package io.warden.e2e;

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
 * What every packaged Warden service needs to run as a child JVM in these tests: its fast-jar, the command line, and
 * a readiness probe. One definition for the gateway, policy-service and audit-service launchers.
 */
final class PackagedApp {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

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

    /** The command line: this JDK's java, a small heap, {@code settings} as system properties, {@code -jar jar}. */
    static List<String> command(Path jar, Map<String, String> settings) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        return cmd;
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

    /** True when {@code url} answers 200 and, if {@code mustContain} is not null, its body contains it. */
    static boolean answers200(String url, String mustContain) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && (mustContain == null || r.body().contains(mustContain));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
