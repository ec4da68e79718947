package io.warden.bench.policy;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same five requests as {@link RealisticPolicyBenchmark} against synthetic policies of
 * {@code tools} generated exact keys ({@link PolicyFixtures#syntheticJson(int, int)}): the time
 * should not depend on {@code tools}. {@code extraGlobs} adds glob keys that never match, tried
 * before {@code get_*}; it is 0 in the default run and exists to show what the glob scan costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ToolCountScalingBenchmark extends PolicyCallBenchmarks {
    @Param({"10", "1000", "10000"})
    public int tools;

    @Param({"0"})
    public int extraGlobs;

    @Setup(Level.Trial)
    public void setUp() {
        policy = PolicyFixtures.syntheticPolicy(tools, extraGlobs);
        calls = new PolicyCalls(PolicyFixtures.syntheticTarget(tools));
        calls.verify(policy);
    }
}
