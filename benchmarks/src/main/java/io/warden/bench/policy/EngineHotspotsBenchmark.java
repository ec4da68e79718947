package io.warden.bench.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.re2j.Pattern;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Not part of the default suite: the library operations an evaluation spends its time in, each
 * alone, to explain the suite's numbers. Run with
 * {@code PolicyEvaluationBenchmarkMain EngineHotspots}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EngineHotspotsBenchmark {
    private final JsonNode customerId = TextNode.valueOf("cus_8f3KqZ21LmX");
    private final String customerIdText = "cus_8f3KqZ21LmX";
    private final Pattern customerIdPattern = Pattern.compile("^cus_[A-Za-z0-9]{8,32}$");
    private final Pattern secretTerms = Pattern.compile("(?i)\\b(ssn|password|passport)\\b");
    private final String query = "customers in Lisbon who ordered twice in March";
    private final Instant now = PolicyFixtures.NOW;

    /** What a limit {@code key} on an argument does per call to turn the value into text. */
    @Benchmark
    public String jsonNodeToString() {
        return customerId.toString();
    }

    /** The same text (a JSON string in quotes) built directly, for comparison. */
    @Benchmark
    public String quotedByHand() {
        return new StringBuilder(customerIdText.length() + 2).append('"').append(customerIdText).append('"')
                .toString();
    }

    /** A {@code regex} condition: anchored pattern with a counted repetition, on a matching id. */
    @Benchmark
    public boolean re2jAnchoredIdFind() {
        return customerIdPattern.matcher(customerIdText).find();
    }

    /** A {@code regex} condition: case-insensitive word alternation over a 46-character query. */
    @Benchmark
    public boolean re2jWordAlternationFind() {
        return secretTerms.matcher(query).find();
    }

    /** What {@code time.hour} and {@code time.weekday} cost once per evaluation. */
    @Benchmark
    public int utcHourOfInstant() {
        return now.atZone(ZoneOffset.UTC).getHour();
    }
}
