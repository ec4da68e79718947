package io.warden.policy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.PolicyProblem;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code policy check FILE} and {@code policy test FILE CASES}.
 *
 * <p>Exit codes: 0 valid / all cases pass; 1 invalid policy or a failing case; 2 usage or I/O error.
 */
public final class PolicyCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            usage: policy check FILE          validate a policy; prints every problem
                   policy test FILE CASES     run test cases (JSON or YAML list) against a policy""";

    private PolicyCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command and returns its exit code; never calls {@code System.exit}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 2 && args[0].equals("check")) {
            return check(Path.of(args[1]), out, err);
        }
        if (args.length == 3 && args[0].equals("test")) {
            return test(Path.of(args[1]), Path.of(args[2]), out, err);
        }
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private static int check(Path file, PrintStream out, PrintStream err) {
        CompileResult result = load(file, err);
        if (result == null) {
            return USAGE;
        }
        if (result.ok()) {
            out.println(file + ": valid");
            return OK;
        }
        printProblems(file, result.problems(), out);
        return FAILED;
    }

    private static int test(Path file, Path casesFile, PrintStream out, PrintStream err) {
        CompileResult result = load(file, err);
        if (result == null) {
            return USAGE;
        }
        if (!result.ok()) {
            printProblems(file, result.problems(), out);
            return FAILED;
        }
        JsonNode cases;
        try {
            cases = new YAMLMapper().readTree(Files.readString(casesFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println(casesFile + ": cannot read cases: " + e.getMessage());
            return USAGE;
        }
        List<PolicyCases.Result> results = PolicyCases.run(result.policy(), cases);
        int failed = 0;
        for (PolicyCases.Result r : results) {
            out.println((r.passed() ? "PASS " : "FAIL ") + r.name() + ": " + r.detail());
            failed += r.passed() ? 0 : 1;
        }
        out.println(results.size() - failed + " passed, " + failed + " failed");
        return failed == 0 ? OK : FAILED;
    }

    /** Reads and compiles a policy (JSON, or YAML for .yaml/.yml files); null after an I/O error. */
    static CompileResult load(Path file, PrintStream err) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return null;
        }
        String name = file.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            try {
                return PolicyCompiler.compile(new YAMLMapper().readTree(text));
            } catch (IOException | RuntimeException e) {
                return new CompileResult(null, List.of(new PolicyProblem("", "not valid YAML: " + e.getMessage())));
            }
        }
        return PolicyCompiler.compile(text);
    }

    private static void printProblems(Path file, List<PolicyProblem> problems, PrintStream out) {
        out.println(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        for (PolicyProblem p : problems) {
            out.println("  " + (p.pointer().isEmpty() ? "(document)" : p.pointer()) + ": " + p.message());
        }
    }
}
