package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.warden.policy.cli.PolicyCases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * PolicyLayer-style policies under {@code policies/valid/} load unchanged and decide as
 * documented: each {@code X.json} has its cases in {@code X.cases.yaml}.
 */
class ValidPolicyCorpusTest {
    static final Path DIR = Path.of("src/test/resources/policies/valid");

    static List<Path> policies() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void corpusIsNotEmpty() throws IOException {
        assertTrue(policies().size() >= 6);
    }

    @TestFactory
    Stream<DynamicTest> everyPolicyCompilesAndPassesItsCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : policies()) {
            tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                CompileResult result = PolicyCompiler.compile(Files.readString(file));
                assertTrue(result.ok(), () -> result.problems().toString());
                Path casesFile = DIR.resolve(file.getFileName().toString().replace(".json", ".cases.yaml"));
                assertTrue(Files.exists(casesFile), "every valid policy has cases: " + casesFile);
                JsonNode cases = new YAMLMapper().readTree(casesFile.toFile());
                List<PolicyCases.Result> results = PolicyCases.run(result.policy(), cases);
                assertFalse(results.isEmpty());
                List<String> failures = results.stream().filter(r -> !r.passed())
                        .map(r -> r.name() + ": " + r.detail()).toList();
                assertEquals(List.of(), failures);
            }));
        }
        return tests.stream();
    }
}
