package io.warden.policy;

import java.util.List;

/**
 * The outcome of compiling a policy document: a policy, or the full list of problems.
 *
 * @param policy the compiled policy, {@code null} when there are problems
 * @param problems every problem found, in document order; empty when the policy is valid
 */
public record CompileResult(CompiledPolicy policy, List<PolicyProblem> problems) {
    public CompileResult {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** True when the document compiled without a single problem. */
    public boolean ok() {
        return policy != null && problems.isEmpty();
    }
}
