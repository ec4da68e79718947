package io.warden.bench.policy;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decisions against the realistic 20-tool policy ({@link PolicyFixtures#realisticJson()}).
 * One thread, the compiled policy shared as the gateway shares it.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RealisticPolicyBenchmark extends PolicyCallBenchmarks {
    @Setup(Level.Trial)
    public void setUp() {
        policy = PolicyFixtures.realisticPolicy();
        calls = new PolicyCalls("create_refund");
        calls.verify(policy);
    }
}
