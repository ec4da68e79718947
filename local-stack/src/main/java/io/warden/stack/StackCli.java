package io.warden.stack;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The command line behind {@code bin/warden-stack}.
 *
 * <ul>
 *   <li>{@code up [--gateways N] [--dir D]}: starts a supervisor JVM in its own session ({@code run}), which starts
 *       and owns every process of the stack; returns once the supervisor reports the stack ready (or failed), printing
 *       the gateway URL and the demo token.</li>
 *   <li>{@code status [--dir D]}: each part with its process id, port and whether it is alive (exit 0: all up).</li>
 *   <li>{@code down [--dir D]}: SIGTERM to the supervisor (which stops its children in order), then SIGKILL for any
 *       recorded process still alive, each checked against the start time recorded with it, so only this stack's own
 *       processes are touched.</li>
 * </ul>
 * State lives in {@code D/stack.properties} (process ids, start times, ports), secrets in {@code D/secrets.properties}
 * (owner-only), logs in {@code D/logs}.
 */
final class StackCli {
    static final String STATE = "stack.properties";
    static final String SECRETS = "secrets.properties";
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(6);

    private StackCli() {
    }

    private record Args(String command, Path dir, int gateways) {
        static Args parse(String[] argv) {
            if (argv.length == 0) {
                throw new IllegalArgumentException("missing command");
            }
            Path dir = Path.of(".warden-stack");
            int gateways = 3;
            for (int i = 1; i < argv.length; i++) {
                String a = argv[i];
                if ((a.equals("--dir") || a.equals("--gateways")) && i + 1 >= argv.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                switch (a) {
                    case "--dir" -> dir = Path.of(argv[++i]);
                    case "--gateways" -> {
                        try {
                            gateways = Integer.parseInt(argv[++i]);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--gateways takes a number, not " + argv[i]);
                        }
                        if (gateways < 1 || gateways > 16) {
                            throw new IllegalArgumentException("--gateways must be 1..16");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return new Args(argv[0], dir.toAbsolutePath().normalize(), gateways);
        }
    }

    static int run(String[] argv) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("warden-stack: " + e.getMessage());
            System.err.println("usage: warden-stack up [--gateways N] [--dir DIR] | status [--dir DIR] | down [--dir DIR]");
            return 2;
        }
        return switch (args.command()) {
            case "up" -> up(args);
            case "run" -> supervise(args);
            case "status" -> status(args.dir(), System.out);
            case "down" -> down(args.dir());
            default -> {
                System.err.println("warden-stack: unknown command " + args.command() + " (up, status, down)");
                yield 2;
            }
        };
    }

    // ---- up: start the supervisor, wait for its verdict

    private static int up(Args args) {
        Properties state = read(args.dir().resolve(STATE));
        if (alive(state, "supervisor")) {
            System.err.println("warden-stack: already running in " + args.dir() + " (supervisor pid "
                    + state.getProperty("supervisor.pid") + "); `warden-stack down` first");
            return 1;
        }
        Path logs = args.dir().resolve("logs");
        try {
            Files.createDirectories(logs);
            Files.deleteIfExists(args.dir().resolve(STATE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of("setsid",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC"));
        for (String p : List.of("warden.stack.root", "warden.node.dir", "warden.pg.bin", "warden.redis.server")) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Stack.class.getName(), "run",
                "--dir", args.dir().toString(), "--gateways", String.valueOf(args.gateways())));
        Process supervisor;
        try {
            supervisor = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("stack.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            System.err.println("warden-stack: cannot start the supervisor: " + e.getMessage());
            return 1;
        }
        System.out.println("starting " + args.gateways() + " gateway(s) and the rest in " + args.dir()
                + " (logs: " + logs + ") …");
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Properties s = read(args.dir().resolve(STATE));
            String st = s.getProperty("status", "");
            if (st.equals("ready")) {
                printReady(args.dir(), s, System.out);
                return 0;
            }
            if (st.equals("failed") || !supervisor.isAlive()) {
                System.err.println("warden-stack: the stack did not come up: " + s.getProperty("error", "supervisor exited")
                        + "\n(see " + logs + ")");
                return 1;
            }
            try {
                supervisor.waitFor(250, TimeUnit.MILLISECONDS); // a poll interval that also notices its death
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        System.err.println("warden-stack: not ready after " + UP_TIMEOUT.toMinutes() + " minutes; see " + logs
                + " (`warden-stack down` stops what started)");
        return 1;
    }

    private static void printReady(Path dir, Properties s, PrintStream out) {
        Properties secrets = read(dir.resolve(SECRETS));
        out.println("Warden is up: " + s.getProperty("gateways") + " gateway(s) behind " + s.getProperty("url"));
        out.println("  MCP endpoint : " + s.getProperty("url"));
        out.println("  demo token   : " + secrets.getProperty("demo.token") + "   (Authorization: Bearer …)");
        out.println("  admin API    : " + s.getProperty("policy-service.url") + "  (key in " + dir.resolve(SECRETS) + ")");
        out.println("  audit API    : " + s.getProperty("audit-service.url") + "/api/decisions");
        out.println("  logs         : " + dir.resolve("logs"));
        out.println("  stop with    : bin/warden-stack down --dir " + dir);
    }

    // ---- run: the supervisor

    private static int supervise(Args args) {
        Path statePath = args.dir().resolve(STATE);
        Map<String, String> state = new TreeMap<>();
        state.put("status", "starting");
        state.put("supervisor.pid", String.valueOf(ProcessHandle.current().pid()));
        state.put("supervisor.started", startedOf(ProcessHandle.current().pid()));
        write(statePath, state);
        Stack stack;
        try {
            stack = Stack.start(Stack.Options.of(args.dir(), args.gateways()));
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            state.put("status", "failed");
            state.put("error", String.valueOf(e.getMessage()).lines().findFirst().orElse("failed"));
            write(statePath, state);
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            state.put("status", "stopping");
            write(statePath, state);
            stack.close();
            state.put("status", "stopped");
            write(statePath, state);
        }, "stack-stop"));
        stack.parts().forEach((name, pidPort) -> {
            state.put(name + ".pid", String.valueOf(pidPort[0]));
            state.put(name + ".started", startedOf(pidPort[0]));
            state.put(name + ".port", String.valueOf(pidPort[1]));
        });
        state.put("gateways", String.valueOf(args.gateways()));
        state.put("url", stack.mcpUrl());
        state.put("policy-service.url", stack.policyService().baseUrl());
        state.put("audit-service.url", stack.auditService().baseUrl());
        writeSecrets(args.dir().resolve(SECRETS), Map.of("demo.token", stack.demoToken(),
                "admin.key", stack.secrets().adminKey(), "audit.key", stack.secrets().auditKey()));
        state.put("status", "ready");
        write(statePath, state);
        System.out.println("stack ready at " + Instant.now() + ": " + stack.mcpUrl());
        try {
            Thread.currentThread().join(); // until SIGTERM runs the hook above
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    // ---- status and down

    private static int status(Path dir, PrintStream out) {
        Properties s = read(dir.resolve(STATE));
        if (s.isEmpty()) {
            out.println("not running (no " + dir.resolve(STATE) + ")");
            return 3;
        }
        boolean all = true;
        out.printf("%-16s %-8s %-7s %s%n", "PART", "PID", "PORT", "STATE");
        for (String part : parts(s)) {
            boolean alive = alive(s, part);
            String port = s.getProperty(part + ".port", "-");
            String health = !alive ? "down" : port.equals("-") || listening(Integer.parseInt(port)) ? "up" : "not listening";
            all &= health.equals("up");
            out.printf("%-16s %-8s %-7s %s%n", part, s.getProperty(part + ".pid"), port, health);
        }
        out.println("stack: " + s.getProperty("status") + (s.containsKey("url") ? ", " + s.getProperty("url") : ""));
        return all && "ready".equals(s.getProperty("status")) ? 0 : 1;
    }

    private static int down(Path dir) {
        Properties s = read(dir.resolve(STATE));
        if (s.isEmpty()) {
            System.out.println("not running (no " + dir.resolve(STATE) + ")");
            return 0;
        }
        Optional<ProcessHandle> supervisor = own(s, "supervisor");
        if (supervisor.isPresent()) {
            supervisor.get().destroy();
            try {
                supervisor.get().onExit().get(90, TimeUnit.SECONDS);
            } catch (Exception e) {
                supervisor.get().destroyForcibly();
            }
        }
        int leftovers = 0;
        for (String part : parts(s)) {
            Optional<ProcessHandle> p = own(s, part);
            if (p.isPresent()) { // the supervisor died without stopping it
                p.get().descendants().forEach(ProcessHandle::destroyForcibly);
                p.get().destroyForcibly();
                leftovers++;
            }
        }
        Map<String, String> stopped = new TreeMap<>();
        s.forEach((k, v) -> stopped.put((String) k, (String) v));
        stopped.put("status", "stopped");
        write(dir.resolve(STATE), stopped);
        System.out.println("stopped" + (leftovers > 0 ? " (" + leftovers + " orphaned process(es) killed)" : ""));
        return 0;
    }

    private static List<String> parts(Properties s) {
        List<String> parts = new ArrayList<>();
        parts.add("supervisor");
        for (String p : List.of("redis", "postgres", "kafka", "upstream", "policy-service", "audit-service")) {
            if (s.containsKey(p + ".pid")) {
                parts.add(p);
            }
        }
        for (int i = 1; s.containsKey("gateway-" + i + ".pid"); i++) {
            parts.add("gateway-" + i);
        }
        if (s.containsKey("balancer.pid")) {
            parts.add("balancer");
        }
        return parts;
    }

    /** The recorded process, if it is still the one that was recorded (same start time): never a reused pid. */
    private static Optional<ProcessHandle> own(Properties s, String part) {
        long pid = Long.parseLong(s.getProperty(part + ".pid", "-1"));
        if (pid <= 0 || pid == ProcessHandle.current().pid()) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> startedOf(pid).equals(s.getProperty(part + ".started")));
    }

    private static boolean alive(Properties s, String part) {
        if (part.equals("balancer")) { // it runs inside the supervisor
            return own(s, "supervisor").isPresent();
        }
        return own(s, part).isPresent();
    }

    private static String startedOf(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Instant::toString).orElse("?");
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Properties read(Path file) {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (var in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                // being rewritten: treated as empty this time round
            }
        }
        return p;
    }

    /** Written to a temporary file and renamed, so a reader never sees half a state. */
    private static void write(Path file, Map<String, String> values) {
        StringBuilder text = new StringBuilder("# warden-stack state (bin/warden-stack status)\n");
        new TreeMap<>(values).forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\").replace(":", "\\:"))
                .append('\n'));
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeSecrets(Path file, Map<String, String> values) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder text = new StringBuilder("# secrets of this run of the local stack (demo values, random each `up`)\n");
            new TreeMap<>(values).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
