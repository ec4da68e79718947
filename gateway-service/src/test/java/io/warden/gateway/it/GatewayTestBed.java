package io.warden.gateway.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.warden.api.GrantTokens;
import io.warden.gateway.proxy.FaultyUpstream;
import io.warden.gateway.proxy.StatelessUpstream;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Real parts for the gateway's tests: the Node fixture MCP server (official TypeScript SDK), a
 * deliberately faulty upstream, a standalone configuration with one grant per situation, a known
 * session key. Everything on loopback, on free ports. The values tests need are static: the resource
 * runs in the test's JVM.
 */
public class GatewayTestBed implements QuarkusTestResourceLifecycleManager {

    public static final String ALLOW_TOKEN = GrantTokens.mint();
    public static final String STRICT_TOKEN = GrantTokens.mint();
    public static final String OTHER_SERVER_TOKEN = GrantTokens.mint();
    public static final String NO_POLICY_TOKEN = GrantTokens.mint();
    public static final String SHADOW_TOKEN = GrantTokens.mint();
    public static final String CALLABLE_TOKEN = GrantTokens.mint();
    public static final String FAULTS_TOKEN = GrantTokens.mint();
    public static final String LIMITED_TOKEN = GrantTokens.mint();
    public static final String COUNTED_TOKEN = GrantTokens.mint();
    public static final String LIMITED_DOWN_TOKEN = GrantTokens.mint();
    public static final String BY_CATEGORY_TOKEN = GrantTokens.mint();
    public static final String STATELESS_TOKEN = GrantTokens.mint();
    /** A grant whose policy is written in PolicyLayer's other forms (PolicyLayerFormsTest). */
    public static final String POLICYLAYER_TOKEN = GrantTokens.mint();
    public static final String SESSION_KEY = SessionKeys.generate();
    /** Grants on the era-bridging servers: a modern-only and a legacy-only fixture (EraBridgeTest). */
    public static final String ERA_MODERN_TOKEN = GrantTokens.mint();
    public static final String ERA_MODERN_STRICT_TOKEN = GrantTokens.mint();
    public static final String ERA_LEGACY_TOKEN = GrantTokens.mint();
    public static final String ERA_LEGACY_STRICT_TOKEN = GrantTokens.mint();
    public static final String ERA_PINNED_TOKEN = GrantTokens.mint();
    public static final String ERA_COUNTED_TOKEN = GrantTokens.mint();
    public static final String ERA_DOWN_TOKEN = GrantTokens.mint();
    public static final String ERA_SSE_TOKEN = GrantTokens.mint();
    public static final String ERA_SSE_STRICT_TOKEN = GrantTokens.mint();

    static NodeMcpServer fixture;
    static NodeMcpServer modernOnly;
    static NodeMcpServer legacyOnly;
    static NodeMcpServer sseOnly;
    static FaultyUpstream faulty;
    static StatelessUpstream stateless;
    static Path dir;
    static Path decisions;

    @Override
    public Map<String, String> start() {
        try {
            fixture = NodeMcpServer.fixture();
            modernOnly = NodeMcpServer.fixture(NodeMcpServer.Eras.MODERN);
            legacyOnly = NodeMcpServer.fixture(NodeMcpServer.Eras.LEGACY);
            sseOnly = NodeMcpServer.fixture(NodeMcpServer.Eras.HTTP_SSE);
            faulty = new FaultyUpstream();
            stateless = new StatelessUpstream();
            dir = Files.createTempDirectory("warden-gateway-it");
            decisions = dir.resolve("decisions.jsonl");
            Path config = dir.resolve("warden.yaml");
            Files.writeString(config, config());
            return Map.of(
                    "warden.gateway.standalone.file", config.toString(),
                    "warden.gateway.decision-log.file", decisions.toString(),
                    "warden.gateway.session.keys", SESSION_KEY,
                    "warden.gateway.limits.upstream-response-timeout", "5s",
                    "warden.gateway.limits.max-body-bytes", "65536");
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("cannot start the gateway test bed", e);
        }
    }

    private static String config() {
        String dead = "http://127.0.0.1:" + FreePorts.next() + "/mcp";
        return """
                servers:
                  - {id: fixture, name: Fixture, url: "%s", headers: {X-Upstream-Key: upstream-secret}, categories: {add: destructive}}
                  - {id: second, url: "%s"}
                  - {id: down, url: "%s"}
                  - {id: hang, url: "%s"}
                  - {id: garbage, url: "%s"}
                  - {id: cut, url: "%s"}
                  - {id: fail, url: "%s"}
                  - {id: unauthorized, url: "%s"}
                  - {id: huge, url: "%s"}
                  - {id: stateless, url: "%s"}
                  - {id: long-session, era: legacy, url: "%s"}
                """.formatted(fixture.url(), fixture.url(), dead, faulty.url("/hang"), faulty.url("/garbage"),
                faulty.url("/cut"), faulty.url("/fail"), faulty.url("/unauthorized"), faulty.url("/huge"), stateless.url(),
                faulty.url("/long-session"))
                + eraServers(dead) + hostileServers() + secretServers(dead) + """
                grants:
                  - {id: allow, server: fixture, token_hash: "%s", policy: allow-all}
                  - {id: strict, server: fixture, token_hash: "%s", policy: strict}
                  - {id: other, server: second, token_hash: "%s", policy: allow-all}
                  - {id: nopolicy, server: fixture, token_hash: "%s"}
                  - {id: shadow, server: fixture, token_hash: "%s", policy: shadow}
                  - {id: callable, server: fixture, token_hash: "%s", policy: callable}
                """.formatted(GrantTokens.hash(ALLOW_TOKEN), GrantTokens.hash(STRICT_TOKEN), GrantTokens.hash(OTHER_SERVER_TOKEN),
                GrantTokens.hash(NO_POLICY_TOKEN), GrantTokens.hash(SHADOW_TOKEN), GrantTokens.hash(CALLABLE_TOKEN))
                + faultGrants() + eraGrants() + hostileGrants() + secretGrants() + """
                  - {id: limited, server: fixture, token_hash: "%s", policy: two-per-hour}
                  - {id: counted, server: fixture, token_hash: "%s", policy: one-per-hour}
                  - {id: limited-down, server: down, token_hash: "%s", policy: one-per-hour}
                  - {id: bycategory, server: fixture, token_hash: "%s", policy: by-category}
                  - {id: stateless, server: stateless, token_hash: "%s", policy: allow-all}
                """.formatted(GrantTokens.hash(LIMITED_TOKEN), GrantTokens.hash(COUNTED_TOKEN),
                GrantTokens.hash(LIMITED_DOWN_TOKEN), GrantTokens.hash(BY_CATEGORY_TOKEN), GrantTokens.hash(STATELESS_TOKEN))
                + policyLayerGrant() + """
                policies:
                  by-category:
                    version: "1"
                    default: deny
                    categories: {read: {}}
                    methods: {"resources/read": deny}
                  two-per-hour:
                    version: "1"
                    default: allow
                    all_tools:
                      limits: [{counter: calls, window: hour, max: 2, scope: grant}]
                  one-per-hour:
                    version: "1"
                    default: allow
                    all_tools:
                      limits: [{counter: calls, window: hour, max: 1, scope: grant}]
                  allow-all: {version: "1", default: allow}
                  strict:
                    version: "1"
                    default: deny
                    hide: [delete_account]
                    tools:
                      echo:
                        deny_if:
                          - conditions: [{path: args.message, op: eq, value: forbidden}]
                            on_deny: "That message is not allowed."
                      slow_progress: {}
                      test_tool_with_progress: {}
                      add:
                        require:
                          - name: small
                            conditions: [{path: args.a, op: lt, value: 100}]
                            on_deny: "a must be below 100."
                  shadow:
                    version: "1"
                    default: deny
                    mode: shadow
                  callable:
                    version: "1"
                    default: deny
                    list: callable
                    tools: {echo: {}}
                """ + policyLayerPolicy();
    }

    /** PolicyLayer's other forms: action with reason, rate_limit in seconds, per session and per grant. */
    private static String policyLayerGrant() {
        return "  - {id: policylayer, server: fixture, token_hash: \"" + GrantTokens.hash(POLICYLAYER_TOKEN)
                + "\", policy: policylayer-forms}\n";
    }

    private static String policyLayerPolicy() {
        return """
                  policylayer-forms:
                    version: "1"
                    default: deny
                    tools:
                      add: {action: deny, reason: "Adding is done by hand here."}
                      echo: {action: allow, rate_limit: {max: 2, window: 3600, scope: session}}
                      test_simple_text: {rate_limit: {max: 1, window: 3600}}
                """;
    }

    /**
     * The era-bridging servers. The probe cache is per URL, so servers that must probe on their own get a query
     * string the fixture ignores (and records in its request log).
     */
    private static String eraServers(String dead) {
        return """
                  - {id: modern-only, url: "%s"}
                  - {id: legacy-only, url: "%s"}
                  - {id: modern-pinned, era: modern, url: "%s?pinned"}
                  - {id: modern-counted, url: "%s?counted"}
                  - {id: era-down, url: "%s"}
                  - {id: sse-only, url: "%s"}
                """.formatted(modernOnly.url(), legacyOnly.url(), modernOnly.url(), modernOnly.url(), dead, sseOnly.url());
    }

    private static String eraGrants() {
        return """
                  - {id: era-modern, server: modern-only, token_hash: "%s", policy: allow-all}
                  - {id: era-modern-strict, server: modern-only, token_hash: "%s", policy: strict}
                  - {id: era-legacy, server: legacy-only, token_hash: "%s", policy: allow-all}
                  - {id: era-legacy-strict, server: legacy-only, token_hash: "%s", policy: strict}
                  - {id: era-pinned, server: modern-pinned, token_hash: "%s", policy: allow-all}
                  - {id: era-counted, server: modern-counted, token_hash: "%s", policy: allow-all}
                  - {id: era-down, server: era-down, token_hash: "%s", policy: allow-all}
                  - {id: era-sse, server: sse-only, token_hash: "%s", policy: allow-all}
                  - {id: era-sse-strict, server: sse-only, token_hash: "%s", policy: strict}
                """.formatted(GrantTokens.hash(ERA_MODERN_TOKEN), GrantTokens.hash(ERA_MODERN_STRICT_TOKEN),
                GrantTokens.hash(ERA_LEGACY_TOKEN), GrantTokens.hash(ERA_LEGACY_STRICT_TOKEN),
                GrantTokens.hash(ERA_PINNED_TOKEN), GrantTokens.hash(ERA_COUNTED_TOKEN), GrantTokens.hash(ERA_DOWN_TOKEN),
                GrantTokens.hash(ERA_SSE_TOKEN), GrantTokens.hash(ERA_SSE_STRICT_TOKEN));
    }

    private static String faultGrants() {
        StringBuilder sb = new StringBuilder();
        for (String s : new String[] {"down", "hang", "garbage", "cut", "fail", "unauthorized", "huge", "long-session"}) {
            sb.append("  - {id: fault-").append(s).append(", server: ").append(s).append(", token_hash: \"")
                    .append(GrantTokens.hash(faultToken(s))).append("\", policy: allow-all}\n");
        }
        return sb.toString();
    }

    /** Credentials planted where hosted MCP servers carry them; no log line may ever show one (SecretsInLogsTest). */
    public static final String SECRET_QUERY = "query-secret-" + GrantTokens.mint().substring(0, 12);
    public static final String SECRET_PASSWORD = "password-secret-" + GrantTokens.mint().substring(0, 12);
    public static final String SECRET_HEADER = "header-secret-" + GrantTokens.mint().substring(0, 12);
    public static final String SECRET_TOKEN = GrantTokens.mint();
    public static final String SECRET_DOWN_TOKEN = GrantTokens.mint();

    /** The fixture, and a dead port, behind URLs with user info and an api_key query, and a secret header. */
    static String secretUrl(String url) {
        return url.replace("http://", "http://warden:" + SECRET_PASSWORD + "@") + "?api_key=" + SECRET_QUERY;
    }

    private static String secretServers(String dead) {
        return """
                  - {id: secret-url, url: "%s", headers: {X-Api-Key: "%s"}}
                  - {id: secret-down, url: "%s", headers: {Authorization: "Bearer %s"}}
                """.formatted(secretUrl(fixture.url()), SECRET_HEADER, secretUrl(dead), SECRET_HEADER);
    }

    private static String secretGrants() {
        return """
                  - {id: secret-url, server: secret-url, token_hash: "%s", policy: allow-all}
                  - {id: secret-down, server: secret-down, token_hash: "%s", policy: allow-all}
                """.formatted(GrantTokens.hash(SECRET_TOKEN), GrantTokens.hash(SECRET_DOWN_TOKEN));
    }

    /** Upstreams that put tool lists where a gateway may not look (FaultyUpstream); pinned, so no era probe reads them. */
    static final String[] HOSTILE = {"tools-as-text", "tools-on-4xx", "tools-duplicate", "tools-odd-name", "tools-other-id",
        "tools-shapeless"};

    private static String hostileServers() {
        StringBuilder sb = new StringBuilder();
        for (String s : HOSTILE) {
            sb.append("  - {id: ").append(s).append(", era: legacy, url: \"").append(faulty.url("/" + s)).append("\"}\n");
        }
        return sb.toString();
    }

    /** Each with the strict policy, which hides delete_account. */
    private static String hostileGrants() {
        StringBuilder sb = new StringBuilder();
        for (String s : HOSTILE) {
            sb.append("  - {id: hostile-").append(s).append(", server: ").append(s).append(", token_hash: \"")
                    .append(GrantTokens.hash(faultToken(s))).append("\", policy: strict}\n");
        }
        return sb.toString();
    }

    /** One token per faulty server (a grant belongs to exactly one server). Derived, so tests can recompute it. */
    public static String faultToken(String server) {
        return FAULTS_TOKEN + "-" + server;
    }

    @Override
    public void stop() {
        for (NodeMcpServer s : new NodeMcpServer[] {fixture, modernOnly, legacyOnly, sseOnly}) {
            if (s != null) {
                s.close();
            }
        }
        if (faulty != null) {
            faulty.close();
        }
        if (stateless != null) {
            stateless.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
