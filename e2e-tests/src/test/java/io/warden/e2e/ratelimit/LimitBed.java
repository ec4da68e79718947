package io.warden.e2e.ratelimit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.e2e.GatewayProcess;
import io.warden.testsupport.redis.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cross-process test bed: one private Redis on a free port, the echo upstream (server {@value #SERVER}), and
 * several packaged gateways in their own JVMs sharing both, all reading one standalone file.
 */
final class LimitBed implements AutoCloseable {
    static final String SERVER = "fx";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    final Path dir;
    final RedisServer redis;
    final EchoUpstream upstream;
    final List<GatewayProcess> gateways = new ArrayList<>();
    final McpCaller caller = new McpCaller();
    private final Map<String, String> tokens = new LinkedHashMap<>();

    private LimitBed(Path dir, RedisServer redis, EchoUpstream upstream) {
        this.dir = dir;
        this.redis = redis;
        this.upstream = upstream;
    }

    /**
     * Starts everything.
     *
     * @param policies policy id to policy document
     * @param grants grant id to policy id (every grant on server {@value #SERVER}, with a fresh token)
     * @param clockOffsets one entry per gateway: its {@code warden.gateway.clock-offset}, or null for none
     * @param deadline the gateways' limiter deadline ({@code warden.gateway.ratelimit.deadline})
     */
    static LimitBed start(String name, Map<String, Map<String, Object>> policies, Map<String, String> grants,
                          List<String> clockOffsets, Duration deadline) {
        Path dir = workDir(name);
        RedisServer redis = RedisServer.launch();
        LimitBed bed = new LimitBed(dir, redis, EchoUpstream.start());
        try {
            List<Map<String, Object>> grantList = new ArrayList<>();
            grants.forEach((id, policy) -> {
                String token = "wdn_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
                bed.tokens.put(id, token);
                grantList.add(Map.of("id", id, "server", SERVER, "token_hash", hash(token), "policy", policy));
            });
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("servers", List.of(Map.of("id", SERVER, "url", bed.upstream.url())));
            config.put("grants", grantList);
            config.put("policies", policies);
            Path file = dir.resolve("warden.yaml"); // JSON is YAML
            Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            String sessionKey = Base64.getEncoder().encodeToString(randomBytes(32));
            for (int i = 0; i < clockOffsets.size(); i++) {
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("warden.gateway.ratelimit.redis-url", redis.uri());
                settings.put("warden.gateway.ratelimit.deadline", deadline.toMillis() + "ms");
                if (clockOffsets.get(i) != null) {
                    settings.put("warden.gateway.clock-offset", clockOffsets.get(i));
                }
                bed.gateways.add(GatewayProcess.launch("gw" + i, dir, file, sessionKey, settings));
            }
            bed.gateways.forEach(GatewayProcess::awaitHealthy);
            return bed;
        } catch (IOException e) {
            bed.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            bed.close();
            throw e;
        }
    }

    String token(String grant) {
        String t = tokens.get(grant);
        if (t == null) {
            throw new IllegalArgumentException("no grant " + grant);
        }
        return t;
    }

    /** One call through gateway {@code gw}. */
    McpCaller.Answer call(int gw, String grant, Map<String, ?> arguments) {
        return caller.call(gateways.get(gw), gw, SERVER, token(grant), arguments, grant);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String hash(String token) {
        try {
            return "sha256:" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A policy allowing every tool under {@code limits} (applied to all tools), with {@code onLimiterError}. */
    static Map<String, Object> policy(String onLimiterError, List<Map<String, Object>> limits) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("version", "1");
        p.put("default", "allow");
        p.put("all_tools", Map.of("limits", limits));
        p.put("on_limiter_error", onLimiterError);
        return p;
    }

    /** A limit; {@code key} may be null. */
    static Map<String, Object> limit(String counter, String window, int max, int burst, String scope, String key) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("counter", counter);
        l.put("window", window);
        l.put("max", max);
        l.put("burst", burst);
        l.put("scope", scope);
        if (key != null) {
            l.put("key", key);
        }
        return l;
    }

    @Override
    public void close() {
        for (GatewayProcess g : gateways) {
            try {
                g.close();
            } catch (RuntimeException ignored) {
                // keep closing the rest
            }
        }
        upstream.close();
        redis.close();
    }

    /**
     * {@code target/ratelimit-e2e/<name>-<time>}: gateway logs, decision logs and the standalone file stay there
     * after the run, for post-mortems (CI can keep them as artifacts; {@code mvn clean} removes them).
     */
    private static Path workDir(String name) {
        try {
            Path root = Path.of(System.getProperty("user.dir"), "target", "ratelimit-e2e");
            Files.createDirectories(root);
            return Files.createTempDirectory(root, name + "-" + System.currentTimeMillis() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
