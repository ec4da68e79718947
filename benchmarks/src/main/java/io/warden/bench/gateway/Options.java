package io.warden.bench.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command-line options of {@link GatewayOverhead}; every default is here and in {@link #USAGE}. */
public record Options(List<Integer> workers, Duration initialWarmup, Duration warmup, Duration measure, int rounds, List<Target.Era> eras,
               List<String> decisionLogs, Path gatewayJar, Path nodeFixture, List<String> measured, int upstreamThreads, List<String> gatewayJvmArgs,
               List<String> upstreamJvmArgs, Path workDir, double quietBelow, Duration quietWait, Path baselineJar) {

    static final String USAGE = String.join("\n",
            "usage: GatewayOverhead [options]",
            "  --workers 1,8,32          concurrent closed-loop callers, one configuration each",
            "  --initial-warmup 20       seconds of unrecorded calls to every target once, before the first run (JIT)",
            "  --warmup 5                seconds of unrecorded calls before each measured period",
            "  --measure 15              seconds measured per run",
            "  --rounds 2                direct/through alternations per configuration (order flips every round)",
            "  --era modern              modern (2026-07-28, stateless), legacy (2025-11-25, one session), or both",
            "  --decision-log file       file (the default set-up), devnull (events still built and serialised,",
            "                            not stored), or both (two gateways, measured side by side)",
            "  --gateway-jar PATH        default: gateway-service/target/quarkus-app/quarkus-run.jar above the working dir",
            "  --baseline-jar PATH       also run this gateway build (decision log to a file), measured in the same rounds",
            "                            as baseline[log=file]: before/after comparisons under the same machine load",
            "  --node-fixture PATH       also measure the Node fixture server (test-support/node/fixture-server.mjs)",
            "  --upstream echo           which upstreams to measure: echo, node (needs --node-fixture) or both;",
            "                            with --node-fixture the default is both",
            "  --upstream-threads 1      event loops of the Java echo upstream",
            "  --gateway-jvm-args '...'  extra JVM arguments for the gateway, space separated (e.g. -XX:StartFlightRecording)",
            "  --upstream-jvm-args '...' extra JVM arguments for the Java echo upstream",
            "  --quiet-below 0.25        before each run, wait until other processes use less than this many cores",
            "  --quiet-wait 120          ... but at most this many seconds per run (then run anyway; the report shows the load)",
            "  --work-dir DIR            logs, configuration and decision logs; default target/gateway-overhead");

    static Options parse(String[] args) {
        List<Integer> workers = List.of(1, 8, 32);
        Duration initialWarmup = Duration.ofSeconds(20);
        Duration warmup = Duration.ofSeconds(5);
        Duration measure = Duration.ofSeconds(15);
        int rounds = 2;
        List<Target.Era> eras = List.of(Target.Era.MODERN);
        List<String> decisionLogs = List.of("file");
        Path jar = null;
        Path node = null;
        Path baseline = null;
        List<String> measured = null;
        int upstreamThreads = 1;
        List<String> gatewayJvm = List.of();
        List<String> upstreamJvm = List.of();
        Path work = null;
        double quietBelow = 0.25;
        Duration quietWait = Duration.ofSeconds(120);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--workers" -> workers = Arrays.stream(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "--initial-warmup" -> initialWarmup = Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
                case "--warmup" -> warmup = Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
                case "--measure" -> measure = Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--era" -> eras = switch (v) {
                    case "modern" -> List.of(Target.Era.MODERN);
                    case "legacy" -> List.of(Target.Era.LEGACY);
                    case "both" -> List.of(Target.Era.MODERN, Target.Era.LEGACY);
                    default -> throw new IllegalArgumentException("--era is modern, legacy or both, not " + v);
                };
                case "--decision-log" -> decisionLogs = switch (v) {
                    case "file", "devnull" -> List.of(v);
                    case "both" -> List.of("file", "devnull");
                    default -> throw new IllegalArgumentException("--decision-log is file, devnull or both, not " + v);
                };
                case "--gateway-jar" -> jar = located(Path.of(v));
                case "--node-fixture" -> node = located(Path.of(v));
                case "--baseline-jar" -> baseline = located(Path.of(v));
                case "--upstream" -> measured = switch (v) {
                    case "echo", "node" -> List.of(v);
                    case "both" -> List.of("echo", "node");
                    default -> throw new IllegalArgumentException("--upstream is echo, node or both, not " + v);
                };
                case "--upstream-threads" -> upstreamThreads = Integer.parseInt(v);
                case "--gateway-jvm-args" -> gatewayJvm = split(v);
                case "--upstream-jvm-args" -> upstreamJvm = split(v);
                case "--work-dir" -> work = Path.of(v);
                case "--quiet-below" -> quietBelow = Double.parseDouble(v);
                case "--quiet-wait" -> quietWait = Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (workers.isEmpty() || workers.stream().anyMatch(w -> w < 1) || rounds < 1 || measure.isZero()) {
            throw new IllegalArgumentException("workers and rounds must be at least 1, the measured period longer than 0");
        }
        if (jar == null) {
            jar = findUp(Path.of("gateway-service", "target", "quarkus-app", "quarkus-run.jar"));
        }
        if (work == null) {
            Path bench = findUp(Path.of("benchmarks", "pom.xml"));
            work = (bench != null ? bench.getParent().resolve("target") : Path.of("target")).resolve("gateway-overhead");
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("gateway jar not found (build it: ./mvnw -B -q -pl gateway-service -am install"
                    + " -DskipTests), or pass --gateway-jar");
        }
        if (measured == null) {
            measured = node == null ? List.of("echo") : List.of("echo", "node");
        }
        if (measured.contains("node") && node == null) {
            throw new IllegalArgumentException("--upstream " + String.join(",", measured) + " needs --node-fixture");
        }
        if (node != null && !Files.isRegularFile(node)) {
            throw new IllegalArgumentException("--node-fixture " + node + " does not exist");
        }
        return new Options(workers, initialWarmup, warmup, measure, rounds, eras, decisionLogs, jar.toAbsolutePath(),
                node == null ? null : node.toAbsolutePath(), measured, upstreamThreads, gatewayJvm, upstreamJvm, work.toAbsolutePath(),
                quietBelow, quietWait, baseline == null ? null : baseline.toAbsolutePath());
    }

    private static List<String> split(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * A relative path that does not exist here is looked up in the parents too: {@code exec:exec} runs in the module
     * directory, while paths in the docs are relative to the repository root.
     */
    private static Path located(Path p) {
        if (p.isAbsolute() || Files.exists(p)) {
            return p;
        }
        Path up = findUp(p);
        return up != null ? up : p;
    }

    /** {@code relative} under the working directory or one of its parents, or null. Also used by other drivers. */
    public static Path findUp(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(relative);
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }
}
