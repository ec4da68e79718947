package io.warden.gateway.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.warden.api.GrantTokens;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gateway for the refund tests: its own Node fixture (its faults are armed for the whole process, so it is not shared
 * with other test classes), one grant per situation so that no two tests share a bucket, a short upstream response
 * timeout and a small bound on upstream answers. Eras are pinned, so no era probe takes an armed fault.
 */
public class RefundTestBed implements QuarkusTestResourceLifecycleManager {

    /** Situations with a limit of one call per hour, each on its own grant. */
    static final List<String> ONE_PER_HOUR = List.of("timeout", "status500", "status400", "cutjson", "cutsse", "garbage",
            "huge", "huge-ran", "unknown-tool", "is-error", "refused", "legacy-unknown-tool", "legacy-timeout", "digest",
            "ml-unknown", "ml-timeout", "lm-unknown", "lm-timeout", "ls-unknown", "ls-timeout");
    /**
     * The bridged situations' servers (the others use {@code fixture}, {@code refused} uses {@code down}): {@code ml-}
     * a modern client to a legacy-only upstream, {@code lm-} a legacy client to a modern-only one, {@code ls-} a legacy
     * client to an HTTP+SSE-only one; the upstreams are {@link GatewayTestBed}'s, which starts first.
     */
    static String serverOf(String situation) {
        return situation.equals("refused") ? "down" : situation.startsWith("ml-") ? "legacy-only"
                : situation.startsWith("lm-") ? "modern-only" : situation.startsWith("ls-") ? "sse-only" : "fixture";
    }
    /** The disconnect attack's grant: two calls per hour. */
    static final String DISCONNECT = "disconnect";
    static final Map<String, String> TOKENS = new LinkedHashMap<>();
    static final int MAX_UPSTREAM_BODY = 4096;
    /** The deployment's argument digest key (decision-log.digest-key). */
    static final String DIGEST_KEY = io.warden.gateway.audit.ArgumentDigest.generateKey();

    static NodeMcpServer fixture;
    static Path dir;
    static Path decisions;

    static {
        ONE_PER_HOUR.forEach(s -> TOKENS.put(s, GrantTokens.mint()));
        TOKENS.put(DISCONNECT, GrantTokens.mint());
    }

    /**
     * After {@link GatewayTestBed}, which applies to every test of the module: resources start in this order and the
     * properties of a later one win, so this bed's configuration file is the one the gateway loads.
     */
    @Override
    public int order() {
        return 100;
    }

    @Override
    public Map<String, String> start() {
        try {
            fixture = NodeMcpServer.fixture();
            dir = Files.createTempDirectory("warden-refund-it");
            decisions = dir.resolve("decisions.jsonl");
            Path config = dir.resolve("warden.yaml");
            Files.writeString(config, config());
            return Map.of(
                    "warden.gateway.standalone.file", config.toString(),
                    "warden.gateway.decision-log.file", decisions.toString(),
                    "warden.gateway.limits.upstream-response-timeout", "2s",
                    "warden.gateway.limits.max-upstream-body-bytes", String.valueOf(MAX_UPSTREAM_BODY),
                    "warden.gateway.decision-log.digest-key", DIGEST_KEY);
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("cannot start the refund test bed", e);
        }
    }

    private static String config() {
        String dead = "http://127.0.0.1:" + FreePorts.next() + "/mcp";
        StringBuilder grants = new StringBuilder();
        TOKENS.forEach((situation, token) -> grants.append("  - {id: ").append(situation).append(", server: ")
                .append(serverOf(situation)).append(", token_hash: \"")
                .append(GrantTokens.hash(token)).append("\", policy: ")
                .append(DISCONNECT.equals(situation) ? "two-per-hour" : "one-per-hour").append("}\n"));
        return """
                servers:
                  - {id: fixture, era: dual, url: "%s"}
                  - {id: down, era: dual, url: "%s"}
                  - {id: legacy-only, era: legacy, url: "%s"}
                  - {id: modern-only, era: modern, url: "%s"}
                  - {id: sse-only, era: http+sse, url: "%s"}
                grants:
                """.formatted(fixture.url(), dead, GatewayTestBed.legacyOnly.url(), GatewayTestBed.modernOnly.url(),
                GatewayTestBed.sseOnly.sseUrl()) + grants + """
                policies:
                  one-per-hour:
                    version: "1"
                    default: allow
                    all_tools:
                      limits: [{counter: calls, window: hour, max: 1, scope: grant}]
                  two-per-hour:
                    version: "1"
                    default: allow
                    all_tools:
                      limits: [{counter: calls, window: hour, max: 2, scope: grant}]
                """;
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
