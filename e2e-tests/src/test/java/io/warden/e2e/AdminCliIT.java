package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.GrantTokens;
import io.warden.cli.Warden;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.postgres.PostgresServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code warden} admin commands against the packaged policy-service on a real PostgreSQL, with the Node fixture as
 * the upstream: servers, tools, policies (push, pull, validate), grants (mint, rotate, attach, revoke), and the exit
 * codes of a refusal, a wrong key and an unreachable service. The command runs in this JVM through its real entry point.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCliIT {
    static final String ADMIN_KEY = "e2e-cli-admin-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    Path work;
    PostgresServer postgres;
    NodeMcpServer fixture;
    PolicyServiceProcess policy;
    final Map<String, String> env = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        work = Path.of("target", getClass().getSimpleName()).toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        postgres = PostgresServer.launch();
        postgres.createDatabase("warden");
        fixture = NodeMcpServer.fixture();
        policy = new PolicyServiceProcess(FreePorts.next(), work, postgres.jdbcUrl("warden"), ADMIN_KEY,
                ConnectedBed.randomKey(), "e2e-cli-gateway-key-0123456789abcdef").start();
        env.put("WARDEN_URL", policy.baseUrl());
        env.put("WARDEN_API_KEY", ADMIN_KEY);
        env.put("FIXTURE_KEY", "upstream-s3cret-for-cli");
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {policy, fixture, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    Run warden(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Warden.run(environment, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Run warden(String... args) {
        return warden(env, args);
    }

    Run ok(String... args) {
        Run r = warden(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    @Test
    void anOperatorSetsUpAServerAPolicyAndAGrantWithTheCommand() throws Exception {
        // Servers: the header value comes from the environment, and never comes back.
        ok("servers", "create", "--id", "fixture", "--name", "Fixture", "--upstream-url", fixture.url(),
                "--header-env", "X-Upstream-Key=FIXTURE_KEY");
        Run list = ok("servers", "list");
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("fixture") && l.contains(fixture.url())), list.out());
        Run shown = ok("servers", "show", "fixture", "-o", "json");
        assertFalse(shown.out().contains("upstream-s3cret-for-cli"), "header values are masked");
        assertEquals("fixture", shown.json().path("id").asText());
        Run duplicate = warden("servers", "create", "--id", "fixture", "--name", "Again", "--upstream-url", fixture.url());
        assertEquals(3, duplicate.code(), duplicate.toString());
        assertTrue(duplicate.err().contains("409"), duplicate.err());
        // The protocol flag: HTTP/1.1 unless asked, set and cleared by update, a column of the list.
        assertFalse(shown.json().path("http2").asBoolean(true), shown.out());
        assertTrue(ok("servers", "update", "fixture", "--http2", "-o", "json").json().path("http2").asBoolean());
        Run h2 = ok("servers", "list");
        assertTrue(h2.out().lines().findFirst().orElseThrow().contains("HTTP2"), h2.out());
        assertTrue(h2.out().lines().anyMatch(l -> l.startsWith("fixture") && l.contains(" true ") && !l.endsWith(" -")),
                h2.out());
        assertFalse(ok("servers", "update", "fixture", "--no-http2", "-o", "json").json().path("http2").asBoolean(true));

        // Tools: the inventory as policy-service classified it.
        ok("tools", "refresh", "fixture");
        Run tools = ok("tools", "list", "fixture");
        assertTrue(tools.out().lines().anyMatch(l -> l.startsWith("echo ")), tools.out());
        Run recommended = ok("tools", "recommend", "fixture");
        assertEquals("1", recommended.json().path("version").asText());

        // Policies: a file in PolicyLayer's short forms is pushed, pulled back, and a second push is version 2.
        Path file = work.resolve("team.json");
        Files.writeString(file, """
                {"version": "1", "default": "deny",
                 "tools": {"echo": {"action": "allow", "rate_limit": {"max": 10, "window": 60, "scope": "session"}},
                           "add": {"action": "deny", "reason": "Adding is done by hand."}}}
                """);
        Run pushed = ok("policies", "push", "team", file.toString(), "-o", "json");
        assertEquals(1, pushed.json().path("version").asInt(), pushed.out());
        Path pulled = work.resolve("pulled.json");
        ok("policies", "pull", "team", "--file", pulled.toString());
        assertEquals(JSON.readTree(file.toFile()), JSON.readTree(pulled.toFile()));
        Files.writeString(file, Files.readString(file).replace("\"max\": 10", "\"max\": 20"));
        assertEquals(2, ok("policies", "push", "team", file.toString(), "-o", "json").json().path("version").asInt());
        Run versions = ok("policies", "versions", "team");
        assertEquals(3, versions.out().lines().count(), versions.out());

        // An invalid policy: refused by the server with its pointer (push), reported as findings (validate).
        Path bad = work.resolve("bad.json");
        Files.writeString(bad, "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"x\": {\"action\": \"block\"}}}");
        Run refused = warden("policies", "push", "team", bad.toString());
        assertEquals(3, refused.code(), refused.toString());
        assertTrue(refused.err().contains("/tools/x/action"), refused.err());
        Run validated = warden("policies", "validate", bad.toString());
        assertEquals(1, validated.code(), validated.toString());
        assertTrue(validated.out().contains("/tools/x/action"), validated.out());

        // Grants: minted with its token shown once, which hashes to what policy-service stored; rotated; revoked.
        Run minted = ok("grants", "mint", "--id", "agent", "--label", "Agent", "--server", "fixture", "--policy", "team",
                "-o", "json");
        String token = minted.json().path("token").asText();
        assertTrue(token.startsWith(GrantTokens.PREFIX), minted.out());
        Run grants = ok("grants", "list");
        assertTrue(grants.out().lines().anyMatch(l -> l.startsWith("agent") && l.contains("team")), grants.out());
        Run rotated = ok("grants", "rotate", "agent");
        assertTrue(rotated.out().contains("token:") && !rotated.out().contains(token), rotated.out());
        ok("grants", "update", "agent", "--no-policy");
        assertEquals("-", ok("grants", "show", "agent").out().lines()
                .filter(l -> l.startsWith("policy:")).findFirst().orElseThrow().substring(7).strip());
        Run revoked = ok("grants", "revoke", "agent", "-o", "json");
        assertEquals("revoked", revoked.json().path("state").asText(), revoked.out());
    }

    @Test
    void refusalsAndFailuresHaveTheirExitCodes() throws Exception {
        Run missing = warden("servers", "show", "no-such-server");
        assertEquals(3, missing.code(), missing.toString());
        assertTrue(missing.err().contains("404"), missing.err());

        Map<String, String> wrongKey = new HashMap<>(env);
        wrongKey.put("WARDEN_API_KEY", "not-a-key");
        Run unauthorized = warden(wrongKey, "servers", "list");
        assertEquals(3, unauthorized.code(), unauthorized.toString());
        assertTrue(unauthorized.err().contains("401"), unauthorized.err());

        Map<String, String> nowhere = new HashMap<>(env);
        nowhere.put("WARDEN_URL", "http://127.0.0.1:" + FreePorts.next());
        assertEquals(4, warden(nowhere, "servers", "list").code());
    }
}
