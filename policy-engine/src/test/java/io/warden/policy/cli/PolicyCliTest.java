package io.warden.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCliTest {
    static final String VALID = "src/test/resources/policies/valid/refunds.json";

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PolicyCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkValidPolicy() {
        Run r = run("check", VALID);
        assertEquals(0, r.code());
        assertTrue(r.out().contains("valid"));
    }

    @Test
    void checkInvalidPolicyPrintsEveryProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
            {"version": "2", "default": "alow", "tools": {"t": {"deny_iff": []}}}
            """);
        Run r = run("check", file.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().contains("3 problems"), r.out());
        assertTrue(r.out().contains("/version: unsupported version \"2\" (expected \"1\")"), r.out());
        assertTrue(r.out().contains("/default: expected \"allow\" or \"deny\", got \"alow\" (did you mean \"allow\"?)"));
        assertTrue(r.out().contains("/tools/t/deny_iff: unknown field \"deny_iff\" (did you mean \"deny_if\"?)"));
    }

    @Test
    void checkYamlPolicy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: \"1\"\ndefault: deny\ntools:\n  search: {}\n");
        assertEquals(0, run("check", file.toString()).code());
    }

    @Test
    void testCasesPassAndFail(@TempDir Path dir) throws IOException {
        Run pass = run("test", VALID, "src/test/resources/policies/valid/refunds.cases.yaml");
        assertEquals(0, pass.code(), pass.out());
        assertTrue(pass.out().contains("8 passed, 0 failed"), pass.out());

        Path cases = dir.resolve("cases.json");
        Files.writeString(cases, """
            [{"tool": "create_refund", "arguments": {"amount": 20000, "reason": "x", "currency": "usd"},
              "expect": {"outcome": "allow"}},
             {"tool": "list_customers", "expect": {"outcome": "allow", "rule": ""}}]
            """);
        Run fail = run("test", VALID, cases.toString());
        assertEquals(1, fail.code());
        assertTrue(fail.out().contains("FAIL create_refund #0: outcome deny, expected allow"), fail.out());
        assertTrue(fail.out().contains("1 passed, 1 failed"), fail.out());
    }

    @Test
    void usageAndMissingFiles() {
        assertEquals(2, run().code());
        assertEquals(2, run("lint", VALID).code());
        assertEquals(2, run("check", "does/not/exist.json").code());
    }
}
