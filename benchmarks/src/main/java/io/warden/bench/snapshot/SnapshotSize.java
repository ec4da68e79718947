package io.warden.bench.snapshot;

import io.warden.api.crypto.Keyring;
import io.warden.api.snapshot.v1.Change;
import io.warden.api.snapshot.v1.Grant;
import io.warden.api.snapshot.v1.Policy;
import io.warden.api.snapshot.v1.Server;
import io.warden.api.snapshot.v1.Snapshot;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.gateway.policy.ConnectedSnapshots;
import io.warden.gateway.policy.SnapshotFile;
import io.warden.snapshot.CanonicalJson;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.StandaloneConfigParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * Snapshot size, apply time and gateway heap for a large control plane (default 1,000 servers, 10,000 grants, 1,000
 * policies), printed as a table. The snapshot is built as policy-service sends it (protobuf, header values sealed,
 * policies as canonical JSON, tool pins) and applied as a gateway applies it ({@link ConnectedSnapshots}: parse, open
 * every header, compile every policy). Baseline in the same run: the same content as a standalone {@code warden.yaml}
 * (JSON) read by the gateway's standalone parser, today's default path.
 *
 * <pre>
 * java -cp ... io.warden.bench.snapshot.SnapshotSize [--servers 1000] [--grants 10000] [--policies 1000]
 *     [--tools 20] [--rounds 7]
 * </pre>
 */
public final class SnapshotSize {

    private SnapshotSize() {
    }

    public static void main(String[] args) throws Exception {
        int servers = intArg(args, "--servers", 1000);
        int grants = intArg(args, "--grants", 10_000);
        int policies = intArg(args, "--policies", 1000);
        int tools = intArg(args, "--tools", 20);
        int rounds = intArg(args, "--rounds", 7);

        String key = Base64.getEncoder().encodeToString(new byte[32]);
        Keyring sealer = Keyring.of(Map.of("v1", key), "v1");
        Keyring opener = Keyring.decryptOnly(Map.of("v1", key), "bench");

        long t0 = System.nanoTime();
        Snapshot snapshot = build(servers, grants, policies, tools, sealer);
        byte[] wire = WatchEvent.newBuilder().setRevision(1).setSnapshot(snapshot).build().toByteArray();
        double buildMs = (System.nanoTime() - t0) / 1e6;
        byte[] standalone = standaloneJson(servers, grants, policies).getBytes(StandardCharsets.UTF_8);
        Path file = Files.createTempFile("warden-bench", ".yaml");
        Files.write(file, standalone);

        System.out.printf("Snapshot: %,d servers (%d tools pinned each), %,d grants, %,d policies; Java %s, %d cpus%n",
                servers, tools, grants, policies, System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-52s %,14d bytes (gzip %,d)%n", "gRPC snapshot event (protobuf)", wire.length, gzip(wire));
        System.out.printf("%-52s %,14d bytes (gzip %,d)%n", "baseline: same content as standalone warden.yaml (JSON)",
                standalone.length, gzip(standalone));
        System.out.printf("%-52s %,14.1f ms%n", "build the protobuf snapshot (bench side)", buildMs);

        ConnectedSnapshots connected = new ConnectedSnapshots(opener);
        StandaloneConfigParser parser = new StandaloneConfigParser(name -> null);

        Supplier<ConnectedSnapshots.State> applyFull = () -> {
            try {
                WatchEvent e = WatchEvent.parseFrom(wire);
                return ((ConnectedSnapshots.Applied) connected.fromSnapshot(e.getRevision(), e.getSnapshot())).state();
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        };
        Supplier<GatewaySnapshot> parseStandalone = () -> {
            StandaloneConfigParser.Result r = parser.parse(file);
            if (r instanceof StandaloneConfigParser.Invalid invalid) {
                throw new IllegalStateException("the standalone file is refused: " + invalid.problems().stream()
                        .limit(3).toList());
            }
            return ((StandaloneConfigParser.Parsed) r).snapshot();
        };

        double[][] full = time(rounds, applyFull);
        double[][] base = time(rounds, parseStandalone);
        ConnectedSnapshots.State state = applyFull.get();
        double[][] again = time(rounds, () -> {
            try {
                WatchEvent e = WatchEvent.parseFrom(wire);
                return connected.fromSnapshot(2, e.getSnapshot(), state);
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        });
        Change change = Change.newBuilder().setPolicy(policy(policies / 2, 2)).build();
        long[] revision = {10};
        double[][] one = time(rounds * 20, () -> connected.apply(state, ++revision[0], change));
        // A rotated token: the grant index loses one hash and gains another.
        Change rotated = Change.newBuilder().setGrant(state.grants().get("grant-" + grants / 2).toBuilder()
                .setTokenHash("sha256:" + sha256("rotated"))).build();
        double[][] oneGrant = time(rounds * 20, () -> connected.apply(state, ++revision[0], rotated));
        Change renamed = Change.newBuilder().setServer(state.servers().get(serverId(servers / 2)).toBuilder()
                .setName("Renamed")).build();
        double[][] oneServer = time(rounds * 20, () -> connected.apply(state, ++revision[0], renamed));
        // What the gateway then stores on disk, the whole state, so that a restart serves at once.
        SnapshotFile disk = new SnapshotFile(Files.createTempFile("warden-bench", ".bin"));
        double[][] write = time(rounds, () -> {
            try {
                disk.write(state.revision(), state.toSnapshot());
                return disk;
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        });

        System.out.printf("%-52s %s%n", "apply full snapshot (parse, open headers, compile)", stats(full));
        System.out.printf("%-52s %s%n", "baseline: standalone parser on warden.yaml", stats(base));
        System.out.printf("%-52s %s%n", "re-apply after reconnect (same policies reused)", stats(again));
        System.out.printf("%-52s %s%n", "apply one policy change", stats(one));
        System.out.printf("%-52s %s%n", "apply one grant change (token rotated)", stats(oneGrant));
        System.out.printf("%-52s %s%n", "apply one server change", stats(oneServer));
        System.out.printf("%-52s %s%n", "write the whole state to the disk snapshot", stats(write));
        Files.deleteIfExists(disk.path());

        long heapState = retained(applyFull);
        long heapBase = retained(parseStandalone);
        System.out.printf("%-52s %,14.1f MB%n", "gateway heap holding the connected state", heapState / 1048576.0);
        System.out.printf("%-52s %,14.1f MB%n", "baseline: heap holding the standalone snapshot", heapBase / 1048576.0);
        Files.deleteIfExists(file);
    }

    // ---------------------------------------------------------------- content

    private static Snapshot build(int servers, int grants, int policies, int tools, Keyring sealer) {
        Snapshot.Builder b = Snapshot.newBuilder();
        for (int s = 0; s < servers; s++) {
            String id = serverId(s);
            Server.Builder server = Server.newBuilder().setId(id).setName("Server " + s)
                    .setUrl("https://mcp-" + s + ".internal.example.com/mcp").setEra(s % 2 == 0 ? "auto" : "modern")
                    .putSealedHeaders("Authorization", sealer.encrypt("Bearer upstream-secret-" + s + "-0123456789abcdef",
                            Keyring.headerContext(id, "Authorization")))
                    .setToolPinning(s % 2 == 0);
            for (int t = 0; t < tools; t++) {
                server.putToolPins(toolName(t), "sha256:" + sha256(id + "/" + t));
            }
            b.addServers(server);
        }
        for (int g = 0; g < grants; g++) {
            b.addGrants(Grant.newBuilder().setId("grant-" + g).setLabel("Agent " + g).setServer(serverId(g % servers))
                    .setPolicy(policyName(g % policies)).setTokenHash("sha256:" + sha256("token-" + g))
                    .putTags("team", "team-" + (g % 50)).putTags("env", g % 3 == 0 ? "prod" : "staging"));
        }
        for (int p = 0; p < policies; p++) {
            b.addPolicies(policy(p, 1));
        }
        return b.build();
    }

    private static Policy policy(int p, int version) {
        String canonical = CanonicalJson.write(CanonicalJson.parse(policyJson(p, version)));
        return Policy.newBuilder().setName(policyName(p)).setVersion(version).setHash("sha256:" + sha256(canonical))
                .setDocument(canonical).build();
    }

    /** A policy of realistic size: 10 tools with argument rules, limits, hidden globs and categories. */
    static String policyJson(int p, int version) {
        StringBuilder tools = new StringBuilder();
        for (int t = 0; t < 10; t++) {
            if (t > 0) {
                tools.append(',');
            }
            String name = toolName(t);
            tools.append(switch (t % 4) {
                case 0 -> "\"" + name + "\": {}";
                case 1 -> "\"" + name + "\": {\"require\": [{\"conditions\": [{\"path\": \"args.id\", \"op\": \"regex\","
                        + " \"value\": \"^id_[a-z0-9]{8,32}$\"}]}]}";
                case 2 -> "\"" + name + "\": {\"deny_if\": [{\"name\": \"big\", \"conditions\": [{\"path\": \"args.amount\","
                        + " \"op\": \"gt\", \"value\": " + (1000 + p) + "}], \"on_deny\": \"Too large for an agent.\"}],"
                        + " \"limits\": [{\"counter\": \"c" + t + "\", \"window\": \"minute\", \"max\": 30, \"scope\": \"grant\"}]}";
                default -> "\"" + name + "\": {\"limits\": [{\"counter\": \"k" + t + "\", \"window\": \"hour\", \"max\": "
                        + (100 + version) + ", \"scope\": \"grant\", \"key\": \"args.customer\"}]}";
            });
        }
        return """
                {"version": "1", "default": "deny", "description": "Bench policy %d",
                 "hide": ["admin_*", "debug_?"],
                 "all_tools": {"limits": [{"name": "per-minute", "counter": "calls", "window": "minute", "max": 120,
                   "burst": 30, "scope": "grant"}]},
                 "tools": {%s}}""".formatted(p, tools);
    }

    /** The same servers, grants and policies as a standalone file (no pins, header values in clear). */
    private static String standaloneJson(int servers, int grants, int policies) {
        StringBuilder sb = new StringBuilder("{\"servers\": [");
        for (int s = 0; s < servers; s++) {
            sb.append(s == 0 ? "" : ",").append("{\"id\": \"").append(serverId(s)).append("\", \"name\": \"Server ")
                    .append(s).append("\", \"url\": \"https://mcp-").append(s).append(".internal.example.com/mcp\",")
                    .append(" \"era\": \"").append(s % 2 == 0 ? "auto" : "modern").append("\", \"headers\":")
                    .append(" {\"Authorization\": \"Bearer upstream-secret-").append(s).append("-0123456789abcdef\"}}");
        }
        sb.append("], \"grants\": [");
        for (int g = 0; g < grants; g++) {
            sb.append(g == 0 ? "" : ",").append("{\"id\": \"grant-").append(g).append("\", \"label\": \"Agent ")
                    .append(g).append("\", \"server\": \"").append(serverId(g % servers)).append("\", \"policy\": \"")
                    .append(policyName(g % policies)).append("\", \"token_hash\": \"sha256:")
                    .append(sha256("token-" + g)).append("\", \"tags\": {\"team\": \"team-").append(g % 50)
                    .append("\", \"env\": \"").append(g % 3 == 0 ? "prod" : "staging").append("\"}}");
        }
        sb.append("], \"policies\": {");
        for (int p = 0; p < policies; p++) {
            sb.append(p == 0 ? "" : ",").append('"').append(policyName(p)).append("\": ").append(policyJson(p, 1));
        }
        return sb.append("}}").toString();
    }

    private static String serverId(int s) {
        return "server-" + s;
    }

    private static String policyName(int p) {
        return "policy-" + p;
    }

    private static String toolName(int t) {
        return "tool_" + t;
    }

    // ---------------------------------------------------------------- measuring

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Milliseconds of each round, wall clock and CPU time of this thread (the work is single-threaded; on a shared
     * machine the CPU time is the steadier number), after one warm-up round per two measured ones.
     */
    private static double[][] time(int rounds, Supplier<?> work) {
        for (int i = 0; i < Math.max(2, rounds / 2); i++) {
            work.get();
        }
        double[] wall = new double[rounds];
        double[] cpu = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            Object result = work.get();
            wall[i] = (System.nanoTime() - start) / 1e6;
            cpu[i] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e6;
            if (result == null) {
                throw new IllegalStateException("no result");
            }
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        return new double[][] {wall, cpu};
    }

    private static String stats(double[][] t) {
        double[] wall = t[0];
        double[] cpu = t[1];
        return String.format("%,10.2f ms CPU median (min %.2f) | wall %.2f median (min %.2f, max %.2f), n=%d",
                cpu[cpu.length / 2], cpu[0], wall[wall.length / 2], wall[0], wall[wall.length - 1], wall.length);
    }

    /** Heap still used after a full GC while one result is held, minus the same without it. */
    private static long retained(Supplier<?> build) {
        List<Object> hold = new ArrayList<>();
        long before = usedAfterGc();
        hold.add(build.get());
        long after = usedAfterGc();
        if (hold.isEmpty()) {
            throw new IllegalStateException();
        }
        return after - before;
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.size();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
