package io.warden.cli.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warden.cli.CliRun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin commands' side of the wire: paths, encoding, the API key, output and exit codes, against a scripted HTTP
 * server. AdminCliIT (e2e-tests) runs the same commands against a real policy-service and PostgreSQL.
 */
class AdminCommandsTest {
    record Answer(int status, String type, String body) {
    }

    record Seen(String method, String path, String auth, String body) {
    }

    HttpServer server;
    final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final List<Seen> seen = new ArrayList<>();
    Map<String, String> env;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String key = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (seen) {
                seen.add(new Seen(exchange.getRequestMethod(), key.substring(key.indexOf(' ') + 1),
                        exchange.getRequestHeaders().getFirst("Authorization"), body));
            }
            Answer a = answers.getOrDefault(key, new Answer(404, "application/problem+json",
                    "{\"type\":\"urn:warden:problem:not-found\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"nothing at " + key + "\"}"));
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", a.type());
            exchange.sendResponseHeaders(a.status(), a.status() == 204 ? -1 : bytes.length);
            if (a.status() != 204) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
        env = Map.of("WARDEN_URL", "http://127.0.0.1:" + server.getAddress().getPort(), "WARDEN_API_KEY", "k-123",
                "UPSTREAM_KEY", "upstream-s3cret");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    void answer(String request, int status, String json) {
        answers.put(request, new Answer(status, status >= 400 ? "application/problem+json" : "application/json", json));
    }

    CliRun run(String... args) {
        return CliRun.run(env, "", args);
    }

    @Test
    void listPrintsATableAndSendsTheKey() {
        answer("GET /api/servers", 200, """
            [{"id":"billing","name":"Billing","url":"http://b/mcp","era":"auto","http2":false,"headers":{},"updated_at":"2026-03-02T09:00:00Z"},
             {"id":"crm","name":null,"url":"http://c/mcp","era":"modern","http2":true,"headers":{}}]""");
        CliRun r = run("servers", "list");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("ID       NAME     URL           ERA     HTTP2  UPDATED AT", lines.get(0));
        assertEquals("billing  Billing  http://b/mcp  auto    false  2026-03-02T09:00:00Z", lines.get(1));
        assertEquals("crm      -        http://c/mcp  modern  true   -", lines.get(2));
        assertEquals("Bearer k-123", seen.get(0).auth());
    }

    @Test
    void policiesListShowsTheSnakeCaseFieldsTheApiSends() throws Exception {
        answer("GET /api/policies", 200, """
            [{"name":"ops","current_version":3,"hash":"ab12","created_at":"2026-03-01T09:00:00Z","created_by":"admin",
              "updated_at":"2026-03-02T09:00:00Z","updated_by":"alice"}]""");
        CliRun r = run("policies", "list");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("ops", lines.get(1).split("\\s+")[0]);
        assertEquals(List.of("ops", "3", "ab12", "2026-03-02T09:00:00Z", "alice"), List.of(lines.get(1).split("\\s+")));
    }

    @Test
    void jsonOutputIsTheServersDocument() throws Exception {
        answer("GET /api/grants/g-1", 200, "{\"id\":\"g-1\",\"tags\":{\"team\":\"a\"}}");
        CliRun r = run("grants", "show", "g-1", "-o", "json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("a", new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).at("/tags/team").asText());
    }

    @Test
    void idsAreEncodedAsOnePathSegment() {
        run("servers", "show", "../grants/x y");
        assertEquals("/api/servers/..%2Fgrants%2Fx%20y", seen.get(0).path());
    }

    @Test
    void refusalIsExitThreeWithTheProblemAndItsErrors() {
        answer("POST /api/policies/p/versions", 422, """
            {"type":"urn:warden:problem:invalid-policy","title":"Invalid policy","status":422,"detail":"the policy does not compile",
             "errors":[{"pointer":"/default","message":"expected \\"allow\\" or \\"deny\\""}]}""");
        answer("GET /api/policies/p", 200, "{\"name\":\"p\",\"version\":1}");
        CliRun r = run("policies", "push", "p", "../policy-engine/src/test/resources/policies/valid/refunds.json");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("422 Invalid policy: the policy does not compile"), r.err());
        assertTrue(r.err().contains("  /default: expected \"allow\" or \"deny\""), r.err());
    }

    @Test
    void shadowSendsTheFileAsTheDraftAndSummarisesTheChanges() throws Exception {
        answer("POST /api/shadow-evaluations", 200, """
            {"server":"billing","grant":"bot","from":"2026-12-02T10:00:00Z","to":"2026-12-03T10:00:00Z","read":9,
             "evaluated":8,"skipped":1,"truncated":false,"unchanged":5,"changed":2,"cannot_tell_count":1,
             "changes":[{"from":"rate_limited","to":"allowed","count":2,"examples":[{"tool":"add"},{"tool":"add"}]}],
             "cannot_tell":[{"tool":"echo\\u001b[2J","reason":"reads arguments"}],"notes":["Limits are replayed."]}""");
        CliRun r = run("policies", "shadow", "../policy-engine/src/test/resources/policies/valid/refunds.json",
                "--server", "billing", "--grant", "bot");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("8 decisions replayed (2026-12-02T10:00:00Z to 2026-12-03T10:00:00Z): 5 unchanged, 2 changed,"
                + " 1 cannot tell", lines.get(0));
        assertEquals("  rate_limited -> allowed: 2 (e.g. add)", lines.get(1));
        assertEquals("  cannot tell: 1 (e.g. echo\\u001b[2J)", lines.get(2), "a hostile name cannot drive the terminal");
        assertEquals("note: Limits are replayed.", lines.get(3));
        com.fasterxml.jackson.databind.JsonNode sent = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(seen.get(0).body());
        assertEquals("billing", sent.path("server").asText());
        assertEquals("bot", sent.path("grant").asText());
        assertEquals("1", sent.at("/policy/version").asText(), "the file is the draft: " + sent);
    }

    @Test
    void serverFailureAndNoServerAreExitFour() throws IOException {
        answer("GET /api/grants", 500, "{\"title\":\"Internal Server Error\",\"status\":500}");
        assertEquals(4, run("grants", "list").code());
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliRun r = run("grants", "list", "--url", "http://127.0.0.1:" + closed);
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("cannot reach policy-service"), r.err());
    }

    @Test
    void missingKeyOrBadUrlIsUsage() {
        CliRun noKey = CliRun.run(Map.of("WARDEN_URL", env.get("WARDEN_URL")), "", "servers", "list");
        assertEquals(2, noKey.code());
        assertTrue(noKey.err().contains("WARDEN_API_KEY"), noKey.err());
        assertEquals(2, run("servers", "list", "--url", "ftp://x").code());
        assertEquals(2, run("servers", "list", "-o", "xml").code());
        assertTrue(seen.isEmpty(), "nothing was sent");
    }

    @Test
    void pushCreatesAPolicyThatDoesNotExistAndAddsAVersionToOneThatDoes(@TempDir Path dir) throws IOException {
        Path yaml = dir.resolve("p.yaml");
        Files.writeString(yaml, "version: \"1\"\ndefault: deny\ntools: {search: {}}\n");
        answer("POST /api/policies/new", 201, "{\"name\":\"new\",\"version\":1}");
        assertEquals(0, run("policies", "push", "new", yaml.toString()).code());
        assertEquals("POST", seen.get(1).method());
        assertEquals("/api/policies/new", seen.get(1).path());
        assertEquals("{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"search\":{}}}", seen.get(1).body());

        answer("GET /api/policies/old", 200, "{\"name\":\"old\",\"version\":3}");
        answer("POST /api/policies/old/versions", 201, "{\"name\":\"old\",\"version\":4}");
        CliRun r = run("policies", "push", "old", yaml.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("version: 4"), r.out());
    }

    @Test
    void pullWritesTheDocument(@TempDir Path dir) throws IOException {
        answer("GET /api/policies/p/versions/2", 200, "{\"name\":\"p\",\"version\":2,\"document\":{\"version\":\"1\",\"default\":\"allow\"}}");
        Path file = dir.resolve("out.json");
        CliRun r = run("policies", "pull", "p", "--version", "2", "--file", file.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.readString(file).contains("\"default\" : \"allow\""));
    }

    @Test
    void mintShowsTheTokenOnceAndReminds() {
        answer("POST /api/grants", 201, "{\"grant\":{\"id\":\"g\",\"server\":\"s\",\"state\":\"active\"},\"token\":\"wdn_secret\"}");
        CliRun r = run("grants", "mint", "--id", "g", "--label", "Bot", "--server", "s", "--tag", "team=a");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("token:     wdn_secret"), r.out());
        assertTrue(r.err().contains("shown this once"), r.err());
        assertEquals("{\"id\":\"g\",\"label\":\"Bot\",\"server\":\"s\",\"tags\":{\"team\":\"a\"}}", seen.get(0).body());
    }

    @Test
    void headerValuesComeFromTheEnvironmentAndAreNeverPrinted() {
        answer("POST /api/servers", 201, "{\"id\":\"s\",\"headers\":{\"X-Api-Key\":\"********\"}}");
        CliRun r = run("servers", "create", "--id", "s", "--name", "S", "--upstream-url", "http://u/mcp", "--header-env", "X-Api-Key=UPSTREAM_KEY");
        assertEquals(0, r.code(), r.toString());
        assertTrue(seen.get(0).body().contains("\"X-Api-Key\":\"upstream-s3cret\""));
        assertFalse(r.out().contains("upstream-s3cret") || r.err().contains("upstream-s3cret"));
        CliRun missing = run("servers", "create", "--id", "s", "--name", "S", "--upstream-url", "http://u/mcp", "--header-env", "K=NOT_SET");
        assertEquals(2, missing.code());
    }

    @Test
    void http2IsSetOnCreateAndSetOrClearedOnUpdateOnlyWhenGiven() {
        answer("POST /api/servers", 201, "{\"id\":\"s\",\"http2\":true}");
        answer("PATCH /api/servers/s", 200, "{\"id\":\"s\",\"http2\":false}");
        CliRun created = run("servers", "create", "--id", "s", "--name", "S", "--upstream-url", "http://u/mcp", "--http2");
        assertEquals(0, created.code(), created.toString());
        assertEquals("{\"id\":\"s\",\"name\":\"S\",\"url\":\"http://u/mcp\",\"http2\":true}", seen.get(0).body());
        assertTrue(created.out().contains("http2: true"), created.out());
        assertEquals(0, run("servers", "update", "s", "--no-http2").code());
        assertEquals("{\"http2\":false}", seen.get(1).body());
        assertEquals(0, run("servers", "update", "s", "--name", "T").code());
        assertEquals("{\"name\":\"T\"}", seen.get(2).body(), "not given: kept");
        assertEquals(0, run("servers", "create", "--id", "s", "--name", "S", "--upstream-url", "http://u/mcp").code());
        assertFalse(seen.get(3).body().contains("http2"), "not given: the server's default (HTTP/1.1)");
    }

    @Test
    void approvalsUseTheApprovalApi() {
        answer("GET /api/approvals?state=pending", 200, "[{\"id\":\"a-1\",\"state\":\"pending\",\"tool\":\"refund\"}]");
        answer("POST /api/approvals/a-1/deny", 200, "{\"id\":\"a-1\",\"state\":\"denied\"}");
        CliRun list = run("approvals", "list");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("a-1") && l.contains("refund")), list.out());
        CliRun deny = run("approvals", "deny", "a-1", "--comment", "too large");
        assertEquals(0, deny.code(), deny.toString());
        assertEquals("{\"comment\":\"too large\"}", seen.get(1).body());
    }

    @Test
    void controlCharactersFromTheServerAreShownEscaped() {
        answer("GET /api/servers", 200, "[{\"id\":\"evil\\u001b[2J\",\"name\":\"x\"}]");
        CliRun r = run("servers", "list");
        assertFalse(r.out().contains("\u001b"), r.out());
        assertTrue(r.out().contains("evil\\u001b[2J"), r.out());
    }
}
