package io.warden.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.warden.cli.CliFailure;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import io.warden.cli.Output;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyForms;
import io.warden.policy.cli.PolicyCases;
import io.warden.policy.inventory.PolicyRecommender;
import io.warden.policy.inventory.ToolAssessment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warden policy check|test|fmt|recommend}: policy files on this machine, no server needed. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Check, test, format a policy file, or recommend one for a server's tools.")
public final class PolicyCommand {
    private final Context ctx;

    PolicyCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Command(name = "check", description = "Validate a policy (JSON or YAML); prints every problem with its JSON pointer.")
    int check(@Parameters(paramLabel = "FILE") Path file) {
        CompileResult result = PolicyFiles.compile(file);
        if (result.ok()) {
            ctx.out().println(file + ": valid");
            return ExitCodes.OK;
        }
        PolicyFiles.printProblems(file, result.problems(), ctx.out());
        return ExitCodes.FINDINGS;
    }

    @Command(name = "test", description = "Run test cases (a JSON or YAML list) against a policy.")
    int test(@Parameters(index = "0", paramLabel = "FILE") Path file,
             @Parameters(index = "1", paramLabel = "CASES") Path casesFile) {
        CompileResult result = PolicyFiles.compile(file);
        if (!result.ok()) {
            PolicyFiles.printProblems(file, result.problems(), ctx.out());
            return ExitCodes.FINDINGS;
        }
        JsonNode cases;
        try {
            cases = new YAMLMapper().readTree(PolicyFiles.read(casesFile));
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, casesFile + ": cannot read cases: " + e.getMessage());
        }
        List<PolicyCases.Result> results = PolicyCases.run(result.policy(), cases);
        int failed = 0;
        for (PolicyCases.Result r : results) {
            ctx.out().println((r.passed() ? "PASS " : "FAIL ") + r.name() + ": " + r.detail());
            failed += r.passed() ? 0 : 1;
        }
        ctx.out().println(results.size() - failed + " passed, " + failed + " failed");
        return failed == 0 ? ExitCodes.OK : ExitCodes.FINDINGS;
    }

    @Command(name = "fmt", description = "Print a valid policy in the canonical form: PolicyLayer's short forms (action, "
            + "reason, rate_limit) written as deny_if, approval and limits entries; JSON, two-space indent.")
    int fmt(@Parameters(paramLabel = "FILE") Path file,
            @Option(names = {"-w", "--write"}, description = "rewrite FILE (as JSON) instead of printing") boolean write) {
        CompileResult result = PolicyFiles.compile(file);
        if (!result.ok()) {
            PolicyFiles.printProblems(file, result.problems(), ctx.out());
            return ExitCodes.FINDINGS;
        }
        String text = Output.json(PolicyForms.canonical(result.policy().source()));
        if (!write) {
            ctx.out().println(text);
            return ExitCodes.OK;
        }
        if (PolicyFiles.isYaml(file)) {
            throw new CliFailure(ExitCodes.USAGE, file + ": --write rewrites JSON files only; print and redirect instead");
        }
        try {
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, file + ": cannot write: " + e.getMessage());
        }
        return ExitCodes.OK;
    }

    @Command(name = "recommend", description = "Recommend a starting policy for a server's tools: TOOLS is a tools/list "
            + "result ({\"tools\": [...]}) or a JSON array of tools. -o table lists each tool's risk and the rule.")
    int recommend(@Parameters(paramLabel = "TOOLS") Path toolsFile,
                  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "json",
                          description = "json (the policy, default) or table (one line per tool)") Output.Format output) {
        JsonNode doc;
        try {
            doc = Output.JSON.readTree(PolicyFiles.read(toolsFile));
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, toolsFile + ": not valid JSON: " + e.getMessage());
        }
        JsonNode tools = doc != null && doc.isObject() ? doc.path("result").path("tools").isArray()
                ? doc.path("result").path("tools") : doc.path("tools") : doc;
        if (tools == null || !tools.isArray()) {
            throw new CliFailure(ExitCodes.USAGE, toolsFile + ": expected a tools/list result or an array of tools");
        }
        List<ToolAssessment> assessed = new ArrayList<>();
        for (JsonNode t : tools) {
            if (!t.path("name").isTextual()) {
                throw new CliFailure(ExitCodes.USAGE, toolsFile + ": every tool needs a \"name\"");
            }
            assessed.add(ToolAssessment.of(t, null));
        }
        if (output == Output.Format.json) {
            ctx.out().println(Output.json(PolicyRecommender.forServer(assessed)));
            return ExitCodes.OK;
        }
        ArrayNode rows = Output.JSON.createArrayNode();
        for (ToolAssessment a : assessed) {
            PolicyRecommender.Recommendation r = PolicyRecommender.forTool(a);
            ObjectNode row = rows.addObject();
            row.put("tool", a.tool().name());
            row.put("category", a.category().jsonName());
            row.put("risk", a.risk().jsonName());
            row.put("action", r.action());
            row.put("why", r.why());
        }
        Output.print(ctx.out(), Output.Format.table, rows, Output.columns("tool", "category", "risk", "action", "why"));
        return ExitCodes.OK;
    }
}
