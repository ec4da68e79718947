package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.NodeTool;
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
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: a thousand official TypeScript SDK v1 clients, each holding the GET stream it opens after initialize, connect
 * to one packaged gateway in front of one upstream, and every call from them is answered; streams never take the
 * connections calls need. Then one grant, already at its stream budget, opens more clients: their streams are refused
 * with 503 (before the upstream saw them) while every other client keeps working.
 */
class ManyStreamsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 1000;
    private static final int GRANTS = 10;
    private static final int PER_GRANT = CLIENTS / GRANTS;
    private static final int GREEDY_EXTRA = 3;

    @Test
    void aThousandClientsHoldTheirStreamsAndEveryCallIsAnswered() throws Exception {
        Path work = Path.of("target", "many-streams").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        List<String> tokens = IntStream.range(0, GRANTS).mapToObj(i -> GrantTokens.mint()).toList();
        try (NodeMcpServer fixture = NodeMcpServer.fixture()) {
            Path config = work.resolve("warden.yaml");
            StringBuilder grants = new StringBuilder();
            for (int i = 0; i < GRANTS; i++) {
                grants.append("  - {id: crowd-").append(i).append(", server: fixture, token_hash: \"")
                        .append(GrantTokens.hash(tokens.get(i))).append("\", policy: open}\n");
            }
            Files.writeString(config, """
                    servers:
                      - {id: fixture, url: "%s"}
                    grants:
                    %s
                    policies:
                      open:
                        version: "1"
                        default: allow
                    """.formatted(fixture.url(), grants.toString().stripTrailing()));
            // The call pool is deliberately small (the default is 1024): a thousand streams must not touch it.
            try (GatewayProcess gateway = GatewayProcess.launch("many", work, config, SessionKeys.generate(), Map.of(
                    "warden.gateway.limits.max-streams-per-grant", String.valueOf(PER_GRANT),
                    "warden.gateway.limits.max-sessions-per-grant-per-minute", "1000",
                    "warden.gateway.limits.upstream-pool-size", "64")).awaitHealthy()) {
                Commands.Result run = NodeTool.node(Duration.ofMinutes(5), "clients/many-clients.mjs",
                        "--url", gateway.mcpUrl("fixture"), "--tokens", String.join(",", tokens),
                        "--clients", String.valueOf(CLIENTS), "--metrics-url", gateway.baseUrl() + "/q/metrics",
                        "--server", "fixture", "--greedy-token", tokens.get(0), "--greedy-extra", String.valueOf(GREEDY_EXTRA),
                        "--gateway-pid", String.valueOf(gateway.pid()),
                        "--jcmd", Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
                String line = run.output().lines().filter(l -> l.startsWith("{\"client\"")).reduce((a, b) -> b)
                        .orElseThrow(() -> new AssertionError("no report from the clients (exit " + run.exitCode() + "):\n"
                                + tail(run.output()) + "\ngateway log:\n" + gateway.logTail(3000)));
                System.out.println("ManyStreamsIT clients report: " + line);
                JsonNode phases = JSON.readTree(line).path("phases");
                String context = line + "\ngateway log:\n" + gateway.logTail(2000);

                JsonNode memory = phases.path("memory");
                if (memory.path("withStreams").has("heapBytes")) {
                    long heap = memory.path("withStreams").path("heapBytes").asLong() - memory.path("before").path("heapBytes").asLong();
                    long rss = memory.path("withStreams").path("rssKiB").asLong() - memory.path("before").path("rssKiB").asLong();
                    System.out.printf("ManyStreamsIT: %d streams: heap after GC +%d KiB (%d bytes per stream), RSS +%d KiB"
                            + " (%d bytes per stream); call p50/p99 %s/%s ms with them open, %s/%s ms with %s open%n",
                            CLIENTS, heap / 1024, heap / CLIENTS, rss, rss * 1024 / CLIENTS,
                            phases.path("calls").path("p50Ms"), phases.path("calls").path("p99Ms"),
                            phases.path("baseline").path("p50Ms"), phases.path("baseline").path("p99Ms"),
                            phases.path("baseline").path("calls"));
                }
                assertEquals(CLIENTS, phases.path("connect").path("connected").asInt(), context);
                assertEquals(CLIENTS, phases.path("streams").path("open").asInt(), "every GET stream open: " + context);
                assertEquals(0, phases.path("streams").path("streamErrors").asInt(), context);
                assertEquals(CLIENTS, phases.path("calls").path("answered").asInt(), "every call answered: " + context);

                JsonNode greedy = phases.path("greedy");
                List<Integer> codes = new ArrayList<>();
                greedy.path("refusedCodes").forEach(c -> codes.add(c.isNull() ? null : c.asInt()));
                assertEquals(List.of(503, 503, 503), codes, "the grant's extra streams are refused: " + context);
                assertEquals(CLIENTS, greedy.path("streamsOpen").asInt(), context);
                // Refused streams only: the same grant's calls still go through, and everyone else's too.
                assertEquals(GREEDY_EXTRA, greedy.path("theirCalls").path("answered").asInt(), context);
                assertEquals(CLIENTS, phases.path("afterGreedy").path("answered").asInt(), context);

                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.lines().anyMatch(l -> l.startsWith("warden_budget_refusals_total")
                        && l.contains("cause=\"grant_streams_exhausted\"") && l.endsWith(" " + GREEDY_EXTRA + ".0")),
                        metrics.lines().filter(l -> l.startsWith("warden_budget")).collect(Collectors.joining("\n")));
            }
        }
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
