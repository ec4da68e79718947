package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One file per invalid-policy mistake under {@code policies/invalid/}: each file holds the
 * policy and the exact problems (pointer and message) the validator must report.
 *
 * <p>Run with {@code -Dpolicy.fixtures.bless=true} to rewrite the expectations from the current
 * validator output (then review the diff before committing).
 */
class InvalidPolicyFixturesTest {
    static final Path DIR = Path.of("src/test/resources/policies/invalid");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static List<Path> fixtures() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureYieldsItsExactProblems() throws IOException {
        boolean bless = Boolean.getBoolean("policy.fixtures.bless");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : fixtures()) {
            tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                ObjectNode fixture = (ObjectNode) JSON.readTree(file.toFile());
                CompileResult result = PolicyCompiler.compile(fixture.get("policy"));
                List<String> actual = result.problems().stream().map(PolicyProblem::toString).toList();
                if (bless) {
                    ArrayNode expect = fixture.putArray("expect");
                    for (PolicyProblem p : result.problems()) {
                        expect.addObject().put("pointer", p.pointer()).put("message", p.message());
                    }
                    Files.writeString(file, JSON.writeValueAsString(fixture) + "\n");
                    return;
                }
                List<String> expected = new ArrayList<>();
                for (JsonNode e : fixture.get("expect")) {
                    expected.add(new PolicyProblem(e.get("pointer").asText(), e.get("message").asText()).toString());
                }
                assertNull(result.policy(), "an invalid policy must not compile");
                assertEquals(expected, actual);
                assertEquals(false, expected.isEmpty(), "a fixture must expect at least one problem");
            }));
        }
        return tests.stream();
    }
}
