/**
 * JMH benchmarks of policy evaluation (issue 3): how long {@code CompiledPolicy.evaluateCall} and
 * {@code isListed} take on a realistic 20-tool policy, and whether that time depends on the number
 * of tools in the policy (10, 1,000, 10,000).
 *
 * <ul>
 *   <li>{@link io.warden.bench.policy.RealisticPolicyBenchmark}: the realistic policy.</li>
 *   <li>{@link io.warden.bench.policy.ToolCountScalingBenchmark}: synthetic policies, parameter
 *       {@code tools}; parameter {@code extraGlobs} adds non-matching glob keys.</li>
 *   <li>{@link io.warden.bench.policy.PolicyEvaluationBenchmarkMain}: runs both with the default
 *       settings; its Javadoc has the command.</li>
 * </ul>
 *
 * <p>Each benchmark checks, before it measures, that its request takes the path it is named after
 * (allowed with four charges, denied by {@code deny_if}, default deny, glob match, listed).
 */
package io.warden.bench.policy;
