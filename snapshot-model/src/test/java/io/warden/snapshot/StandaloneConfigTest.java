package io.warden.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneConfigTest {

    private static final String HASH = GrantTokens.hash("wdn_test");

    @TempDir
    Path dir;

    private final StandaloneConfigParser parser = new StandaloneConfigParser(Map.of("API_KEY", "s3cret")::get);

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void readsServersGrantsAndInlineAndFilePolicies() throws IOException {
        write("strict.json", "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"echo\":{}}}");
        Path config = write("warden.yaml", """
                servers:
                  - {id: s1, name: One, url: "http://127.0.0.1:1/mcp", headers: {X-Key: "${API_KEY}"}}
                grants:
                  - {id: g1, label: Laptop, server: s1, token_hash: "%s", policy: strict, tags: {team: core}}
                policies:
                  strict: {file: strict.json}
                  open: {version: "1", default: allow}
                """.formatted(HASH));
        GatewaySnapshot s = assertInstanceOf(StandaloneConfigParser.Parsed.class, parser.parse(config)).snapshot();
        assertEquals("s3cret", s.server("s1").orElseThrow().headers().get("X-Key"));
        Grant g = s.grantByTokenHash(HASH).orElseThrow();
        assertEquals("Laptop", g.label());
        assertEquals(Map.of("team", "core"), g.tags());
        assertTrue(s.policyFor(g).isPresent());
        assertEquals(2, s.policies().size());
    }

    @Test
    void reportsEveryProblemWithItsLocation() throws IOException {
        Path config = write("warden.yaml", """
                servers:
                  - {id: s1, url: "ftp://nope", headers: {Host: x, X-Key: "${MISSING}"}}
                  - {id: s1, url: "http://127.0.0.1:1/mcp"}
                grants:
                  - {id: g1, server: s9, token_hash: "md5:abc", policy: nope, colour: red}
                policies:
                  bad: {version: "2", default: maybe}
                surprise: true
                """);
        List<String> problems = assertInstanceOf(StandaloneConfigParser.Invalid.class, parser.parse(config)).problems();
        String all = String.join("\n", problems);
        for (String expected : List.of("/surprise: unknown field", "/servers/0/url: expected an absolute http or https URL",
                "/servers/0/headers/Host: this header is set by the gateway", "/servers/0/headers/X-Key: environment variable MISSING",
                "/grants/0/server: unknown server \"s9\"", "/grants/0/token_hash: expected \"sha256:\"",
                "/grants/0/policy: unknown policy \"nope\"", "/grants/0/colour: unknown field", "/policies/bad/version",
                "/policies/bad/default")) {
            assertTrue(all.contains(expected), "missing \"" + expected + "\" in:\n" + all);
        }
    }

    @Test
    void readsAnEraPinAndRejectsAnUnknownOne() throws IOException {
        Path config = write("warden.yaml", """
                servers:
                  - {id: pinned, url: "http://127.0.0.1:1/mcp", era: modern}
                  - {id: old, url: "http://127.0.0.1:2/mcp", era: "http+sse"}
                  - {id: probed, url: "http://127.0.0.1:3/mcp"}
                """);
        GatewaySnapshot s = assertInstanceOf(StandaloneConfigParser.Parsed.class, parser.parse(config)).snapshot();
        assertEquals(EraPin.MODERN, s.server("pinned").orElseThrow().era());
        assertEquals(EraPin.HTTP_SSE, s.server("old").orElseThrow().era());
        assertEquals(EraPin.AUTO, s.server("probed").orElseThrow().era());

        Path bad = write("bad.yaml", """
                servers:
                  - {id: s1, url: "http://127.0.0.1:1/mcp", era: future}
                  - {id: s2, url: "http://127.0.0.1:2/mcp", era: 7}
                """);
        List<String> problems = assertInstanceOf(StandaloneConfigParser.Invalid.class, parser.parse(bad)).problems();
        assertEquals(List.of(
                "/servers/0/era: unknown era \"future\" (expected auto, modern, legacy, dual, http+sse)",
                "/servers/1/era: unknown era \"7\" (expected auto, modern, legacy, dual, http+sse)"), problems);
    }

    @Test
    void readsTheOptionalHttp2FlagAndKeepsOlderFilesOnHttp1() throws IOException {
        Path config = write("warden.yaml", """
                servers:
                  - {id: h2, url: "http://127.0.0.1:1/mcp", http2: true}
                  - {id: plain, url: "http://127.0.0.1:2/mcp", http2: false}
                  - {id: old, url: "http://127.0.0.1:3/mcp"}
                """);
        GatewaySnapshot s = assertInstanceOf(StandaloneConfigParser.Parsed.class, parser.parse(config)).snapshot();
        assertTrue(s.server("h2").orElseThrow().http2());
        assertFalse(s.server("plain").orElseThrow().http2());
        assertFalse(s.server("old").orElseThrow().http2(), "a file without the field stays on HTTP/1.1");

        Path bad = write("bad.yaml", """
                servers:
                  - {id: s1, url: "http://127.0.0.1:1/mcp", http2: "yes"}
                """);
        assertEquals(List.of("/servers/0/http2: expected true or false"),
                assertInstanceOf(StandaloneConfigParser.Invalid.class, parser.parse(bad)).problems());
    }

    @Test
    void anUploadKeepsTheDocumentsAndRefusesFileReferencesAndPlaceholders() {
        StandaloneConfigParser upload = StandaloneConfigParser.forUpload();
        String ok = """
                {"servers": [{"id": "s1", "url": "http://127.0.0.1:1/mcp", "headers": {"X-Key": "plain-value"}}],
                 "grants": [{"id": "g1", "server": "s1", "token_hash": "%s", "policy": "p"}],
                 "policies": {"p": {"version": "1", "default": "deny", "tools": {"echo": {}}}}}
                """.formatted(HASH);
        StandaloneConfigParser.Parsed parsed = assertInstanceOf(StandaloneConfigParser.Parsed.class,
                upload.parse(ok.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("deny", parsed.policyDocuments().get("p").get("default").asText());
        assertEquals("plain-value", parsed.snapshot().servers().get("s1").headers().get("X-Key"));

        String bad = """
                servers: [{id: s1, url: "http://127.0.0.1:1/mcp", headers: {X-Key: "${API_KEY}"}}]
                policies: {p: {file: p.json}}
                """;
        List<StandaloneConfigParser.Problem> problems = assertInstanceOf(StandaloneConfigParser.Invalid.class,
                upload.parse(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8))).located();
        assertEquals(List.of("/policies/p/file", "/servers/0/headers/X-Key"),
                problems.stream().map(StandaloneConfigParser.Problem::pointer).toList());
        assertTrue(problems.get(1).message().contains("${API_KEY}"), problems.get(1).message());
    }

    @Test
    void duplicateKeysAreRefusedNotSilentlyMerged() {
        String twice = """
                policies:
                  p: {version: "1", default: allow}
                  p: {version: "1", default: deny}
                """;
        StandaloneConfigParser.Invalid invalid = assertInstanceOf(StandaloneConfigParser.Invalid.class,
                StandaloneConfigParser.forUpload().parse(twice.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("", invalid.located().get(0).pointer());
        assertTrue(invalid.located().get(0).message().contains("Duplicate field 'p'"), invalid.problems().toString());
    }
}
