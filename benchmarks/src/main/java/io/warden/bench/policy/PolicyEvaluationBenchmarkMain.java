package io.warden.bench.policy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the policy-evaluation suite ({@link RealisticPolicyBenchmark} and
 * {@link ToolCountScalingBenchmark}) with defaults that fit a small shared machine: 1 fork,
 * 3 warm-up and 5 measured iterations of 1 s, sample-time (p50/p90/p99) and average-time modes,
 * nanoseconds, results also written as JSON.
 *
 * <p>Any JMH option given on the command line wins over these defaults, for example
 * {@code -f 3 -wi 5 -i 10}, {@code -p tools=10000}, {@code -prof gc}, or a benchmark regex such as
 * {@code ToolCountScalingBenchmark.allowed}. From the repository root, after
 * {@code ./mvnw -B -q -pl benchmarks -am install -DskipTests}:
 *
 * <pre>
 * ./mvnw -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *      io.warden.bench.policy.PolicyEvaluationBenchmarkMain
 * </pre>
 *
 * <p>JMH forks a JVM with this JVM's {@code java.class.path}, so launch it with {@code java -cp}
 * as above rather than through {@code exec:java}, whose class path the fork would not see.
 */
public final class PolicyEvaluationBenchmarkMain {
    /** The default suite; {@code EngineHotspotsBenchmark} runs only when named. */
    static final String SUITE = "^io\\.warden\\.bench\\.policy\\.(RealisticPolicy|ToolCountScaling)Benchmark\\.";

    private PolicyEvaluationBenchmarkMain() {
    }

    public static void main(String[] args) throws RunnerException {
        CommandLineOptions cli;
        try {
            cli = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cli.shouldHelp()) {
            try {
                cli.showHelp();
            } catch (java.io.IOException e) {
                System.err.println(e.getMessage());
            }
            return;
        }
        OptionsBuilder options = new OptionsBuilder();
        options.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            options.include(SUITE);
        }
        if (!cli.getForkCount().hasValue()) {
            options.forks(1);
        }
        if (!cli.getWarmupIterations().hasValue()) {
            options.warmupIterations(3);
        }
        if (!cli.getWarmupTime().hasValue()) {
            options.warmupTime(TimeValue.seconds(1));
        }
        if (!cli.getMeasurementIterations().hasValue()) {
            options.measurementIterations(5);
        }
        if (!cli.getMeasurementTime().hasValue()) {
            options.measurementTime(TimeValue.seconds(1));
        }
        if (!cli.getResult().hasValue() && !cli.getResultFormat().hasValue()) {
            options.resultFormat(ResultFormatType.JSON).result(defaultResultFile());
        }
        if (cli.shouldList() || cli.shouldListWithParams()) {
            new Runner(options.build()).list();
            return;
        }
        new Runner(options.build()).run();
    }

    /** {@code benchmarks/target/policy-jmh.json} from the repository root, else {@code target/} or here. */
    private static String defaultResultFile() {
        for (String dir : new String[] {"benchmarks/target", "target"}) {
            if (Files.isDirectory(Path.of(dir))) {
                return dir + "/policy-jmh.json";
            }
        }
        return "policy-jmh.json";
    }
}
