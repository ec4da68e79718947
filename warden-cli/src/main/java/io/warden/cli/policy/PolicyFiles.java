package io.warden.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.warden.cli.CliFailure;
import io.warden.cli.ExitCodes;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.PolicyProblem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reading policy files (JSON, or YAML for .yaml/.yml) and printing their problems; shared with the admin commands. */
public final class PolicyFiles {
    private PolicyFiles() {
    }

    /** The file's text; a usage failure when it cannot be read. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, file + ": cannot read: " + e.getMessage());
        }
    }

    static boolean isYaml(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** Reads and compiles a policy file. */
    public static CompileResult compile(Path file) {
        String text = read(file);
        if (isYaml(file)) {
            try {
                return PolicyCompiler.compile(new YAMLMapper().readTree(text));
            } catch (IOException | RuntimeException e) {
                return new CompileResult(null, List.of(new PolicyProblem("", "not valid YAML: " + e.getMessage())));
            }
        }
        return PolicyCompiler.compile(text);
    }

    /**
     * The JSON text to send to policy-service: a JSON file exactly as written (so the server's pointers and line
     * numbers match the file), a YAML file converted.
     */
    public static String jsonText(Path file) {
        String text = read(file);
        if (!isYaml(file)) {
            return text;
        }
        try {
            JsonNode doc = new YAMLMapper().readTree(text);
            return doc == null ? "" : doc.toString();
        } catch (IOException | RuntimeException e) {
            throw new CliFailure(ExitCodes.FINDINGS, file + ": not valid YAML: " + e.getMessage());
        }
    }

    static void printProblems(Path file, List<PolicyProblem> problems, PrintWriter out) {
        out.println(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        for (PolicyProblem p : problems) {
            out.println("  " + (p.pointer().isEmpty() ? "(document)" : p.pointer()) + ": " + p.message());
        }
    }
}
