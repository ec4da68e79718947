package io.warden.testsupport.redis;

import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A private Redis on a free loopback port, without persistence, in a temp directory.
 *
 * <p>Uses the machine's {@code redis-server} (Debian: {@code apt-get install redis-server}); if there is none,
 * falls back to the Redis 6.2 binary shipped in {@code com.github.codemonstur:embedded-redis}. Choose explicitly
 * with {@code -Dwarden.redis.mode=binary|embedded} (default {@code auto}), or point at a binary with
 * {@code -Dwarden.redis.server=/path/redis-server} or {@code REDIS_SERVER}.
 *
 * <p>{@link #stop()} and {@link #start()} stop and start the same server on the same port, for fault tests.
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final int port;
    private final Path dir;
    private final Optional<Path> binary;
    /** Further {@code redis-server} arguments (binary only), e.g. cluster mode. */
    private final List<String> extraArgs;
    private Path log;
    private ManagedProcess process;
    private redis.embedded.RedisServer embedded;

    private RedisServer(int port, Optional<Path> binary, List<String> extraArgs) {
        this(port, binary, extraArgs, Commands.tempDir("warden-redis"));
    }

    private RedisServer(int port, Optional<Path> binary, List<String> extraArgs, Path dir) {
        this.port = port;
        this.binary = binary;
        this.extraArgs = List.copyOf(extraArgs);
        this.dir = dir;
        this.log = dir.resolve("redis.log");
        if (binary.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopEmbedded, "warden-embedded-redis-stop"));
        }
    }

    /** Starts a Redis on a free port and waits until it answers PING (a new port if another process took it). */
    public static RedisServer launch() {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return launchOn(FreePorts.next());
            } catch (IllegalStateException e) {
                failure = e;
            }
        }
        throw failure;
    }

    /**
     * Starts the machine's {@code redis-server} on a free port with its working folder {@code dir} (created; deleted by
     * {@link #close()}) and its output appended to {@code log}: for a launcher that keeps its logs in one folder.
     */
    public static RedisServer launchIn(Path dir, Path log) {
        Path binary = chooseBinary().orElseThrow(() -> new IllegalStateException(
                "no redis-server on this machine: `apt-get install -y redis-server`"));
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            RedisServer server = new RedisServer(FreePorts.next(), Optional.of(binary), List.of(), dir.toAbsolutePath());
            server.log = log.toAbsolutePath();
            try {
                server.start();
                return server;
            } catch (IllegalStateException e) {
                server.stop();
                failure = e;
            }
        }
        throw failure;
    }

    /** Starts a Redis on {@code port} and waits until it answers PING. */
    public static RedisServer launchOn(int port) {
        return launch(port, chooseBinary(), List.of());
    }

    /**
     * A node for a Redis Cluster ({@code --cluster-enabled yes}, its nodes file in its own directory), on a port whose
     * cluster bus port (+10000) is free too. Needs the machine's {@code redis-server}; join the nodes with
     * {@code redis-cli --cluster create}.
     */
    public static RedisServer launchClusterNode() {
        Path binary = chooseBinary().orElseThrow(() -> new IllegalStateException(
                "a Redis Cluster needs the machine's redis-server: `apt-get install -y redis-server`"));
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = FreePorts.next();
            if (port + 10_000 <= 65_535 && portFree(port + 10_000)) {
                return launch(port, Optional.of(binary), List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", "2000"));
            }
        }
        throw new IllegalStateException("no free port whose cluster bus port (+10000) is free too");
    }

    /** True when the machine's {@code redis-server} is used (not the embedded fallback): cluster and pause need it. */
    public static boolean binaryAvailable() {
        try {
            return chooseBinary().isPresent();
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static boolean portFree(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static RedisServer launch(int port, Optional<Path> binary, List<String> extraArgs) {
        RedisServer server = new RedisServer(port, binary, extraArgs);
        try {
            server.start();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The machine's redis-server, unless the embedded fallback was asked for or nothing is installed. */
    static Optional<Path> chooseBinary() {
        String mode = System.getProperty("warden.redis.mode", "auto");
        if (mode.equals("embedded")) {
            return Optional.empty();
        }
        String configured = System.getProperty("warden.redis.server", System.getenv("REDIS_SERVER"));
        Optional<Path> found = configured != null && !configured.isBlank()
                ? Optional.of(Path.of(configured))
                : Commands.which("redis-server", List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        if (found.isEmpty() && mode.equals("binary")) {
            throw new IllegalStateException("warden.redis.mode=binary but no redis-server found on the PATH or in "
                    + "/usr/bin, /usr/local/bin: install it with `apt-get install -y redis-server`");
        }
        return found;
    }

    /** (Re)starts the server on its port; a no-op when it is running. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        if (binary.isPresent()) {
            startBinary(binary.get());
        } else {
            startEmbedded();
        }
        Poll.until(STARTUP, () -> answersPing() && (process == null || process.isAlive()),
                () -> process != null && !process.isAlive(), () -> "Redis on port " + port + " does not answer PING; "
                + (process != null ? "log:\n" + process.logTail(2000) : "embedded Redis"));
    }

    private void startBinary(Path redisServer) {
        List<String> command = new java.util.ArrayList<>(List.of(
                redisServer.toString(),
                "--port", String.valueOf(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", dir.toString(),
                "--logfile", ""));
        command.addAll(extraArgs);
        process = ManagedProcess.start("redis-server:" + port, command, dir, Map.of(), log);
    }

    private void startEmbedded() {
        try {
            embedded = redis.embedded.RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir)
                    .build();
            embedded.start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis did not start on port " + port
                    + "; install redis-server (`apt-get install -y redis-server`) to use the machine's binary", e);
        }
    }

    /** Stops the server (SIGTERM, no save); {@link #start()} brings it back on the same port. */
    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
            process = null;
        }
        stopEmbedded();
        Poll.until(Duration.ofSeconds(10), () -> !answersPing(), () -> "Redis on port " + port + " still answers");
    }

    /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung Redis. Binary only. */
    public synchronized void pause() {
        if (process == null) {
            throw new IllegalStateException("pause needs the machine's redis-server, running");
        }
        signal("-STOP");
    }

    /** Undoes {@link #pause()}; harmless when not paused or not running. */
    public synchronized void resume() {
        if (process != null) {
            signal("-CONT");
        }
    }

    private void signal(String signal) {
        Commands.run(List.of("kill", signal, String.valueOf(process.pid())), dir, Map.of(), Duration.ofSeconds(10));
    }

    /** Stops, then starts again on the same port with an empty data set. */
    public void restart() {
        stop();
        start();
    }

    private synchronized void stopEmbedded() {
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException ignored) {
                // already gone
            }
            embedded = null;
        }
    }

    public boolean isRunning() {
        return (process != null && process.isAlive()) || (embedded != null && embedded.isActive());
    }

    /** True when the server answers PING right now. */
    public boolean answersPing() {
        try (RespClient client = client()) {
            return "PONG".equals(client.command("PING"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A new raw connection; close it after use. */
    public RespClient client() {
        return new RespClient(host(), port);
    }

    /** Runs one command on a fresh connection. */
    public Object command(String... args) {
        try (RespClient client = client()) {
            return client.command(args);
        }
    }

    /** Removes every key (between tests). */
    public void flushAll() {
        command("FLUSHALL");
    }

    public String host() {
        return "127.0.0.1";
    }

    /** The server's process id, or -1 when it is stopped or embedded. */
    public long pid() {
        ManagedProcess p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}, the form {@code quarkus.redis.hosts} takes. */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    /** True when the embedded-redis fallback is in use rather than the machine's binary. */
    public boolean isEmbedded() {
        return binary.isEmpty();
    }

    /** The server's version, from {@code INFO server}. */
    public String version() {
        String info = String.valueOf(command("INFO", "server"));
        return info.lines().filter(l -> l.startsWith("redis_version:")).map(l -> l.substring(14).trim())
                .findFirst().orElse("unknown");
    }

    @Override
    public void close() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
            process = null;
        }
        stopEmbedded();
        Commands.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri() + (isEmbedded() ? ", embedded" : ", " + binary.get()) + "]";
    }
}
