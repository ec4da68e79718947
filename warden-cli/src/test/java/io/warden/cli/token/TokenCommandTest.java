package io.warden.cli.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import io.warden.cli.CliRun;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenCommandTest {

    @Test
    void mintPrintsTokenAndAMatchingYamlSnippet() {
        CliRun r = CliRun.run("token", "mint", "--grant", "ci-bot");
        assertEquals(0, r.code(), r.toString());
        String token = r.out().lines().filter(l -> l.startsWith("token: ")).findFirst().orElseThrow().substring(7);
        assertTrue(token.startsWith("wdn_"));
        assertTrue(r.out().contains("- id: ci-bot\n  token_hash: " + GrantTokens.hash(token) + "\n"), r.out());
    }

    @Test
    void hashFromArgumentOrStandardInput() {
        String expected = GrantTokens.hash("abc") + "\n";
        assertEquals(expected, CliRun.run("token", "hash", "abc").out());
        assertEquals(expected, CliRun.run(Map.of(), "abc\n", "token", "hash").out());
        assertEquals(expected, CliRun.run(Map.of(), "  abc  \n", "token", "hash", "-").out());
    }

    @Test
    void sessionKeyIs32BytesOfBase64() {
        CliRun r = CliRun.run("session-key");
        assertEquals(0, r.code());
        assertEquals(32, Base64.getDecoder().decode(r.out().strip()).length);
        assertTrue(!r.out().equals(CliRun.run("session-key").out()), "a new key each time");
    }

    @Test
    void misuseExitsWithUsage() {
        assertEquals(2, CliRun.run().code());
        assertEquals(2, CliRun.run("token").code());
        assertEquals(2, CliRun.run("token", "mint", "--grant").code());
        assertEquals(2, CliRun.run("token", "frobnicate").code());
        CliRun empty = CliRun.run("token", "hash");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("no token given"), empty.toString());
        assertEquals("", empty.out());
    }
}
