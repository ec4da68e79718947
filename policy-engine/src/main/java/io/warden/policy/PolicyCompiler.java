package io.warden.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;

/** Validates and compiles policy documents. Stateless; safe to call from any thread. */
public final class PolicyCompiler {
    /** Deepest JSON nesting accepted in a policy document. */
    static final int MAX_DOCUMENT_DEPTH = 200;
    /**
     * Start of the one problem reported when the compiler itself failed (a bug, not a bad policy). Kept apart from
     * every validation message so that tests can tell "refused" from "crashed and caught".
     */
    static final String INTERNAL_FAILURE = "internal error in the policy compiler: ";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DOCUMENT_DEPTH)
                .maxNumberLength(1000)
                .maxStringLength(1_000_000)
                .build());
    }

    private PolicyCompiler() {
    }

    /** Parses and compiles a policy from JSON text. Never throws, whatever the input. */
    public static CompileResult compile(String json) {
        if (json == null) {
            return failure("", "no policy document (null)");
        }
        JsonNode document;
        try {
            document = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String detail = e.getOriginalMessage();
            if (e.getLocation() != null) {
                detail += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            }
            return failure("", "not valid JSON: " + detail);
        } catch (RuntimeException | StackOverflowError e) {
            return failure("", INTERNAL_FAILURE + e.getClass().getSimpleName());
        }
        if (document == null || document.isMissingNode()) {
            return failure("", "empty document (expected a JSON object)");
        }
        return compile(document);
    }

    /** Validates and compiles a policy document that has no id. Never throws, whatever the input. */
    public static CompileResult compile(JsonNode document) {
        return compile(document, null);
    }

    /**
     * Validates and compiles a policy document deployed under {@code policyId}. The id becomes part of the bucket keys of
     * its {@code server} and {@code global} limits, so two policies that use the same counter name never share a bucket
     * (each at its own rate); {@code grant} buckets need no id, as a grant has one policy. Null: no id (the keys of a
     * policy checked or evaluated on its own). Never throws, whatever the input.
     */
    public static CompileResult compile(JsonNode document, String policyId) {
        try {
            if (document != null && Values.depth(document) > MAX_DOCUMENT_DEPTH) {
                return failure("", "the document is nested deeper than " + MAX_DOCUMENT_DEPTH + " levels");
            }
            Parser parser = new Parser(policyId);
            CompiledPolicy policy = parser.parse(document);
            List<PolicyProblem> problems = parser.problems();
            return new CompileResult(problems.isEmpty() ? policy : null, problems);
        } catch (RuntimeException | StackOverflowError e) {
            return failure("", INTERNAL_FAILURE + e.getClass().getSimpleName());
        }
    }

    private static CompileResult failure(String pointer, String message) {
        return new CompileResult(null, List.of(new PolicyProblem(pointer, message)));
    }
}
