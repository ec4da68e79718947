package io.warden.cli.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.cli.CliRun;
import io.warden.policy.PolicyCompiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
    static final String CORPUS = "../policy-engine/src/test/resources/policies/valid/";
    static final String VALID = CORPUS + "refunds.json";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void checkValidPolicy() {
        CliRun r = CliRun.run("policy", "check", VALID);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("valid"));
    }

    @Test
    void checkInvalidPolicyPrintsEveryProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
            {"version": "2", "default": "alow", "tools": {"t": {"deny_iff": []}}}
            """);
        CliRun r = CliRun.run("policy", "check", file.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().contains("3 problems"), r.out());
        assertTrue(r.out().contains("/version: unsupported version \"2\" (expected \"1\")"), r.out());
        assertTrue(r.out().contains("/default: expected \"allow\" or \"deny\", got \"alow\" (did you mean \"allow\"?)"));
        assertTrue(r.out().contains("/tools/t/deny_iff: unknown field \"deny_iff\" (did you mean \"deny_if\"?)"));
    }

    @Test
    void checkYamlPolicy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "version: \"1\"\ndefault: deny\ntools:\n  search: {action: allow}\n");
        assertEquals(0, CliRun.run("policy", "check", file.toString()).code());
        Files.writeString(file, "version: \"1\"\ndefault: deny\ntools: [\n");
        CliRun bad = CliRun.run("policy", "check", file.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.out().contains("not valid YAML"), bad.out());
    }

    @Test
    void testCasesPassAndFail(@TempDir Path dir) throws IOException {
        CliRun pass = CliRun.run("policy", "test", VALID, CORPUS + "refunds.cases.yaml");
        assertEquals(0, pass.code(), pass.out());
        assertTrue(pass.out().contains("8 passed, 0 failed"), pass.out());

        Path cases = dir.resolve("cases.json");
        Files.writeString(cases, """
            [{"tool": "create_refund", "arguments": {"amount": 20000, "reason": "x", "currency": "usd"},
              "expect": {"outcome": "allow"}},
             {"tool": "list_customers", "expect": {"outcome": "allow", "rule": ""}}]
            """);
        CliRun fail = CliRun.run("policy", "test", VALID, cases.toString());
        assertEquals(1, fail.code());
        assertTrue(fail.out().contains("FAIL create_refund #0: outcome deny, expected allow"), fail.out());
        assertTrue(fail.out().contains("1 passed, 1 failed"), fail.out());
    }

    @Test
    void policyLayerFormsPassTheirCasesThroughTheCommand() {
        CliRun r = CliRun.run("policy", "test", CORPUS + "policylayer-forms.json", CORPUS + "policylayer-forms.cases.yaml");
        assertEquals(0, r.code(), r.toString());
    }

    @Test
    void fmtPrintsTheCanonicalFormWhichStillCompiles() throws IOException {
        CliRun r = CliRun.run("policy", "fmt", CORPUS + "policylayer-forms.json");
        assertEquals(0, r.code(), r.toString());
        JsonNode canonical = JSON.readTree(r.out());
        assertFalse(r.out().contains("\"action\" :") || r.out().contains("\"rate_limit\" :"), r.out());
        assertEquals("Customers are deleted by the support team only.",
                canonical.at("/tools/delete_customer/deny_if/0/on_deny").asText());
        assertEquals("rate_limit:/tools/create_refund", canonical.at("/tools/create_refund/limits/0/counter").asText());
        assertEquals("session", canonical.at("/all_tools/limits/0/scope").asText());
        assertTrue(PolicyCompiler.compile(r.out()).ok());
    }

    @Test
    void fmtWriteRewritesTheFileAndRefusesAnInvalidOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("p.json");
        Files.writeString(file, "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"x\":{\"action\":\"deny\",\"reason\":\"no\"}}}");
        assertEquals(0, CliRun.run("policy", "fmt", "--write", file.toString()).code());
        assertEquals("no", JSON.readTree(file.toFile()).at("/tools/x/deny_if/0/on_deny").asText());
        Files.writeString(file, "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"x\":{\"action\":\"block\"}}}");
        CliRun bad = CliRun.run("policy", "fmt", "--write", file.toString());
        assertEquals(1, bad.code());
        assertTrue(Files.readString(file).contains("block"), "an invalid file is left as it was");
    }

    @Test
    void recommendReadsAToolsListAndPrintsAPolicyOrATable(@TempDir Path dir) throws IOException {
        Path tools = dir.resolve("tools.json");
        Files.writeString(tools, """
            {"tools": [
              {"name": "list_orders", "annotations": {"readOnlyHint": true}, "inputSchema": {"type": "object"}},
              {"name": "refund_payment", "description": "Refund a charge", "inputSchema": {"type": "object"}},
              {"name": "drop_table", "annotations": {"destructiveHint": true}, "inputSchema": {"type": "object"}}]}
            """);
        CliRun json = CliRun.run("policy", "recommend", tools.toString());
        assertEquals(0, json.code(), json.toString());
        assertTrue(PolicyCompiler.compile(json.out()).ok(), json.out());
        assertTrue(JSON.readTree(json.out()).at("/tools/list_orders").isObject(), json.out());

        CliRun table = CliRun.run("policy", "recommend", "-o", "table", tools.toString());
        assertEquals(0, table.code());
        assertTrue(table.out().startsWith("TOOL"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("refund_payment") && l.contains("financial")), table.out());

        Files.writeString(tools, "{\"tools\": [{\"description\": \"no name\"}]}");
        assertEquals(2, CliRun.run("policy", "recommend", tools.toString()).code());
    }

    @Test
    void usageAndMissingFiles() {
        assertEquals(2, CliRun.run("policy").code());
        assertEquals(2, CliRun.run("policy", "lint", VALID).code());
        CliRun missing = CliRun.run("policy", "check", "does/not/exist.json");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("cannot read"), missing.toString());
    }
}
