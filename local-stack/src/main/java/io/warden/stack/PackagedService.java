package io.warden.stack;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One packaged Warden service ({@code <module>/target/quarkus-app/quarkus-run.jar}) as a child JVM on a fixed loopback
 * port, so that it can be stopped, killed and started again at the same address.
 *
 * <p>Plain settings go on the command line; secrets go into {@code <run dir>/config/application.properties}
 * (owner-only), which Quarkus reads from its working directory, so that no key shows up in {@code ps}.
 */
public final class PackagedService implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Path jar;
    private final int port;
    private final Path runDir;
    private final Path log;
    private final String readyPath;
    private final Map<String, String> settings;
    private final List<String> jvmOptions;
    private ManagedProcess process;

    /**
     * @param module     the Maven module ({@code gateway-service}, …) whose packaged jar runs
     * @param runDir     its working directory (config, snapshot, spool)
     * @param readyPath  the path answering 200 when it is ready
     * @param settings   system properties ({@code quarkus.http.port} and {@code quarkus.http.host} are added)
     * @param secrets    properties written to {@code runDir/config/application.properties}
     */
    public PackagedService(String name, String module, int port, Path runDir, Path log, String readyPath,
                           Map<String, String> settings, Map<String, String> secrets, List<String> jvmOptions) {
        this(name, jar(module), port, runDir, log, readyPath, settings, jvmOptions);
        writeSecrets(secrets);
    }

    /**
     * A service whose jar the caller found (the end-to-end tests look it up their own way). No secrets file: every
     * setting goes on the command line, and services sharing a run directory do not overwrite each other's.
     */
    public PackagedService(String name, Path jar, int port, Path runDir, Path log, String readyPath,
                           Map<String, String> settings, List<String> jvmOptions) {
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.runDir = runDir.toAbsolutePath();
        this.log = log.toAbsolutePath();
        this.readyPath = readyPath;
        Map<String, String> all = new TreeMap<>(settings);
        all.put("quarkus.http.port", String.valueOf(port));
        all.put("quarkus.http.host", "127.0.0.1");
        this.settings = all;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    private void writeSecrets(Map<String, String> secrets) {
        try {
            Path config = Files.createDirectories(runDir.resolve("config"));
            Path file = config.resolve("application.properties");
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder text = new StringBuilder("# written by the local stack; secrets of this run only\n");
            new TreeMap<>(secrets).forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code <root>/<module>/target/quarkus-app/quarkus-run.jar}, the root being {@code -Dwarden.stack.root} or the first
     * folder above the working directory that has it.
     */
    static Path jar(String module) {
        String rel = module + "/target/quarkus-app/quarkus-run.jar";
        String root = System.getProperty("warden.stack.root");
        if (root != null && !root.isBlank()) {
            Path jar = Path.of(root, rel);
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        } else {
            for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
                if (Files.isRegularFile(d.resolve(rel))) {
                    return d.resolve(rel);
                }
            }
        }
        throw new IllegalStateException("no packaged " + module + " (" + rel + "); build it first: "
                + "./mvnw -B -ntp -pl local-stack -am package -DskipTests");
    }

    /** Starts the JVM (a no-op while it runs); does not wait, see {@link #awaitReady}. */
    public synchronized PackagedService launch() {
        if (process != null && process.isAlive()) {
            return this;
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        process = ManagedProcess.start(name, cmd, runDir, Map.of(), log);
        return this;
    }

    /** Waits until {@code readyPath} answers 200; fails (with the log's tail) if the process exits or time runs out. */
    public PackagedService awaitReady(Duration timeout) {
        ManagedProcess p = process;
        Poll.until(timeout, this::ready, () -> !p.isAlive(),
                () -> name + " is not ready on port " + port + (p.isAlive() ? "" : " (exited)") + "; log:\n"
                        + p.logTail(4000));
        return this;
    }

    public PackagedService start(Duration timeout) {
        return launch().awaitReady(timeout);
    }

    /** True when the readiness path answers 200 now. */
    public boolean ready() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + readyPath))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public Path runDir() {
        return runDir;
    }

    public Path log() {
        return log;
    }

    /** The process id, or -1 when it is not running. */
    public long pid() {
        ManagedProcess p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    public boolean isAlive() {
        ManagedProcess p = process;
        return p != null && p.isAlive();
    }

    public String logTail(int maxChars) {
        return ManagedProcess.tail(log, maxChars);
    }

    /** SIGTERM (a clean Quarkus shutdown), SIGKILL after 15 s. */
    public void stop() {
        stop(Duration.ofSeconds(15));
    }

    /** SIGTERM, SIGKILL after {@code grace}. */
    public synchronized void stop(Duration grace) {
        if (process != null) {
            process.stop(grace);
            process = null;
        }
    }

    /** SIGKILL, as when a pod dies: no shutdown, no goodbye to anyone. */
    public synchronized void kill() {
        if (process != null) {
            process.killNow();
            process = null;
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
