package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code docs/policy.schema.json} accepts the valid corpus and rejects every invalid fixture
 * marked {@code schemaRejects: true}; fixtures marked false are the rules only the validator
 * can check, and the schema must accept them (so the flag stays honest).
 */
class PolicySchemaTest {
    static final Path SCHEMA = Path.of("../docs/policy.schema.json");
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonSchema schema() throws IOException {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(JSON.readTree(SCHEMA.toFile()));
    }

    @TestFactory
    Stream<DynamicTest> schemaAgreesWithTheValidator() throws IOException {
        JsonSchema schema = schema();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : ValidPolicyCorpusTest.policies()) {
            tests.add(DynamicTest.dynamicTest("valid/" + file.getFileName(), () -> {
                Set<ValidationMessage> errors = schema.validate(JSON.readTree(file.toFile()));
                assertEquals(Set.of(), errors);
            }));
        }
        for (Path file : InvalidPolicyFixturesTest.fixtures()) {
            tests.add(DynamicTest.dynamicTest("invalid/" + file.getFileName(), () -> {
                JsonNode fixture = JSON.readTree(file.toFile());
                boolean shouldReject = fixture.get("schemaRejects").asBoolean();
                Set<ValidationMessage> errors = schema.validate(fixture.get("policy"));
                assertEquals(shouldReject, !errors.isEmpty(),
                        shouldReject ? "the schema should reject this policy" : "schema errors: " + errors);
            }));
        }
        assertTrue(tests.size() > 60);
        return tests.stream();
    }
}
