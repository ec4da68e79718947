package io.warden.bench.policy;

import io.warden.policy.CompiledPolicy;
import io.warden.policy.Decision;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * The five requests every policy benchmark times; a subclass says which policy they run against
 * (JMH generates the benchmarks per concrete subclass).
 */
public abstract class PolicyCallBenchmarks {
    protected CompiledPolicy policy;
    protected PolicyCalls calls;

    @Benchmark
    public Decision allowedWithCharges() {
        return policy.evaluateCall(calls.allowed);
    }

    @Benchmark
    public Decision deniedByDenyIf() {
        return policy.evaluateCall(calls.denied);
    }

    @Benchmark
    public Decision unknownToolDefaultDeny() {
        return policy.evaluateCall(calls.unknown);
    }

    @Benchmark
    public Decision globMatched() {
        return policy.evaluateCall(calls.glob);
    }

    @Benchmark
    public boolean isListed() {
        return policy.isListed(calls.listed, calls.allowed.subject());
    }
}
