package io.warden.testsupport.postgres;

import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster (trust auth, user {@code postgres}) on a free loopback port, in a temp directory.
 *
 * <p>Uses the machine's PostgreSQL binaries (Debian: {@code /usr/lib/postgresql/<major>/bin}, 15 preferred;
 * override with {@code -Dwarden.pg.bin=DIR} or {@code PG_BIN}). {@code initdb} refuses to run as root, so as root
 * every server command runs as user {@code postgres} through {@code runuser}, and the temp directory is handed
 * to that user. The postmaster runs in the foreground as a child of this JVM; it is stopped with a fast shutdown
 * on {@link #close()} and killed with the JVM otherwise. Durability is off ({@code fsync=off}): tests only.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "postgres";
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path bin;
    private final Path base;
    private final Path data;
    private final Path log;
    private final int port;
    private ManagedProcess postmaster;

    private PostgresServer(Path bin, int port, Path base, Path log) {
        this.bin = bin;
        this.port = port;
        this.base = base;
        this.data = base.resolve("data");
        this.log = log == null ? base.resolve("postgres.log") : log;
    }

    /** initdb + start on a free port; returns once the server accepts connections. */
    public static PostgresServer launch() {
        return launch(null, null);
    }

    /**
     * initdb in {@code base} (created, emptied; deleted again by {@link #close()}) + start on a free port, the server's
     * output appended to {@code log}: for a launcher that keeps its data and logs in folders of its own.
     */
    public static PostgresServer launchIn(Path base, Path log) {
        return launch(base.toAbsolutePath(), log.toAbsolutePath());
    }

    private static PostgresServer launch(Path fixedBase, Path log) {
        Path bin = findBin();
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path base = fixedBase == null ? Commands.tempDir("warden-pg") : fresh(fixedBase);
            PostgresServer server = new PostgresServer(bin, FreePorts.next(), base, log);
            try {
                server.init();
                server.start();
                return server;
            } catch (IllegalStateException e) {
                server.close();
                failure = e; // most likely the port was taken between probe and bind: try another
            }
        }
        throw failure;
    }

    private static Path fresh(Path dir) {
        Commands.deleteTree(dir);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path findBin() {
        String configured = System.getProperty("warden.pg.bin", System.getenv("PG_BIN"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> majors = Files.list(root)) {
                List<Path> bins = majors.map(p -> p.resolve("bin"))
                        .filter(p -> Files.isExecutable(p.resolve("initdb")))
                        .sorted(Comparator.comparing((Path p) -> !p.getParent().getFileName().toString().equals("15"))
                                .thenComparing(p -> -majorOf(p)))
                        .toList();
                if (!bins.isEmpty()) {
                    return bins.get(0);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Commands.which("initdb", List.of()).map(Path::getParent).orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL server binaries (initdb) found in /usr/lib/postgresql/*/bin or on the PATH: "
                        + "install them with `apt-get install -y postgresql`, or set -Dwarden.pg.bin"));
    }

    private static int majorOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Commands run as {@code postgres} when this JVM is root. */
    private List<String> asPostgres(String... command) {
        List<String> full = new ArrayList<>();
        if (Commands.isRoot()) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private void init() {
        if (Commands.isRoot()) {
            try {
                UserPrincipal owner = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(USER);
                Files.setOwner(base, owner);
            } catch (IOException e) {
                throw new IllegalStateException("running as root needs the `postgres` user to own the data directory;"
                        + " it is created by `apt-get install -y postgresql`", e);
            }
        }
        Commands.run(asPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust",
                "-U", USER, "-E", "UTF-8", "--no-sync"), base, Map.of("LC_ALL", "C.UTF-8"), Duration.ofMinutes(2))
                .orThrow();
    }

    /** Starts the postmaster (after {@link #stop()}, on the same port and data). */
    public synchronized void start() {
        if (postmaster != null && postmaster.isAlive()) {
            return;
        }
        postmaster = ManagedProcess.start("postgres:" + port, asPostgres(bin.resolve("postgres").toString(),
                "-D", data.toString(),
                "-p", String.valueOf(port),
                "-k", base.toString(),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200"), base, Map.of("LC_ALL", "C.UTF-8"), log);
        Poll.until(STARTUP, this::isReady, () -> !postmaster.isAlive(), () -> "PostgreSQL on port " + port + " not ready"
                + (postmaster.isAlive() ? "" : " (exited)") + "; log:\n" + postmaster.logTail(3000));
    }

    /** True when the server accepts connections now ({@code pg_isready}). */
    public boolean isReady() {
        return Commands.run(List.of(bin.resolve("pg_isready").toString(), "-q", "-h", host(), "-p",
                String.valueOf(port), "-U", USER, "-d", "postgres"), base, Map.of(), Duration.ofSeconds(5)).ok();
    }

    /** Fast shutdown (open sessions are disconnected); {@link #start()} brings the same cluster back. */
    public synchronized void stop() {
        if (postmaster == null) {
            return;
        }
        if (postmaster.isAlive()) {
            Commands.run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w",
                    "-t", "30", "stop"), base, Map.of(), Duration.ofSeconds(40));
        }
        postmaster.stop(Duration.ofSeconds(5));
        postmaster = null;
    }

    /** Stops (fast) and starts again on the same port with the same data, e.g. to break pooled connections. */
    public void restart() {
        stop();
        start();
    }

    /** Creates a database (owned by {@code postgres}); returns its name. */
    public String createDatabase(String name) {
        Commands.run(List.of(bin.resolve("createdb").toString(), "-h", host(), "-p", String.valueOf(port), "-U", USER,
                name), base, Map.of(), Duration.ofSeconds(30)).orThrow();
        return name;
    }

    /** Runs SQL with {@code psql} (ON_ERROR_STOP) and returns its unaligned, tuples-only output. */
    public String psql(String database, String sql) {
        return Commands.run(List.of(bin.resolve("psql").toString(), "-h", host(), "-p", String.valueOf(port),
                "-U", USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql), base, Map.of(),
                Duration.ofSeconds(30)).orThrow().output().strip();
    }

    public String host() {
        return "127.0.0.1";
    }

    /** The postmaster's process id (as root: that of the {@code runuser} above it), or -1 when stopped. */
    public long pid() {
        ManagedProcess p = postmaster;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    public int port() {
        return port;
    }

    public String username() {
        return USER;
    }

    /** Any password works (trust auth); this one is what config files can carry. */
    public String password() {
        return "postgres";
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>} */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    /** {@code postgresql://127.0.0.1:<port>/<database>}, the form {@code quarkus.datasource.reactive.url} takes. */
    public String reactiveUrl(String database) {
        return "postgresql://" + host() + ":" + port + "/" + database;
    }

    /** The server's version string ({@code SHOW server_version}). */
    public String version() {
        return psql("postgres", "SHOW server_version");
    }

    @Override
    public void close() {
        stop();
        Commands.deleteTree(base);
    }

    @Override
    public String toString() {
        return "PostgresServer[" + jdbcUrl("postgres") + ", " + bin + "]";
    }
}
