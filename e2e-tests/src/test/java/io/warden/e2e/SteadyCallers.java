package io.warden.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.mcp.NodeTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Official TypeScript SDK clients calling a tool in a loop through Warden ({@code test-support/node/clients/
 * steady-callers.mjs}) while a test breaks things; {@link #stop()} returns what each client saw.
 */
final class SteadyCallers implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path stopFile;
    private final Path statusFile;
    private final ManagedProcess process;
    private JsonNode result;

    /** What the clients saw in total. */
    record Totals(long ok, long denied, long rpcError, long failed, long wrong) {
        long answered() {
            return ok + denied + rpcError + wrong;
        }
    }

    private SteadyCallers(Path stopFile, Path statusFile, ManagedProcess process) {
        this.stopFile = stopFile;
        this.statusFile = statusFile;
        this.process = process;
    }

    static SteadyCallers start(String name, String url, String token, int clients, String tool, Path workDir) {
        try {
            Files.createDirectories(workDir);
            Path stop = workDir.resolve(name + ".stop");
            Path status = workDir.resolve(name + ".status.json");
            Files.deleteIfExists(stop);
            Files.deleteIfExists(status);
            ManagedProcess p = ManagedProcess.start(name, List.of(NodeTool.node().toString(),
                    "clients/steady-callers.mjs", "--url", url, "--token", token, "--clients", String.valueOf(clients),
                    "--tool", tool, "--stop-file", stop.toString(), "--status-file", status.toString()),
                    NodeTool.nodeDir(), Map.of(), workDir.resolve(name + ".log"));
            return new SteadyCallers(stop, status, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running per-client counts (empty until the first status write). */
    JsonNode clients() {
        if (result != null) {
            return result.path("clients");
        }
        try {
            return Files.exists(statusFile) ? JSON.readTree(Files.readString(statusFile)).path("clients")
                    : JSON.createArrayNode();
        } catch (IOException e) {
            return JSON.createArrayNode(); // being replaced: the next poll reads it
        }
    }

    Totals totals() {
        long ok = 0, denied = 0, rpc = 0, failed = 0, wrong = 0;
        for (JsonNode c : clients()) {
            ok += c.path("ok").asLong();
            denied += c.path("denied").asLong();
            rpc += c.path("rpcError").asLong();
            failed += c.path("failed").asLong();
            wrong += c.path("wrong").asLong();
        }
        return new Totals(ok, denied, rpc, failed, wrong);
    }

    /** Waits until every client has at least {@code more} more successful calls than in {@code before}. */
    void awaitEachClientOk(JsonNode before, int more, Duration within, int clients) {
        Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode now = clients();
            if (now.size() < clients) {
                return false;
            }
            for (JsonNode c : now) {
                long was = 0;
                for (JsonNode b : before) {
                    if (b.path("id").asInt() == c.path("id").asInt()) {
                        was = b.path("ok").asLong();
                    }
                }
                if (c.path("ok").asLong() < was + more) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Stops the loop (the clients finish their current call) and returns their final report. */
    JsonNode stop() {
        try {
            Files.writeString(stopFile, "stop");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        String line = process.logTail(200_000).lines().filter(l -> l.startsWith("{\"steady\"")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("steady-callers printed no report:\n" + process.logTail(3000)));
        try {
            result = JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result.path("clients");
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                Files.writeString(stopFile, "stop");
            } catch (IOException ignored) {
                // killed below anyway
            }
            process.stop(Duration.ofSeconds(15));
        }
    }
}
