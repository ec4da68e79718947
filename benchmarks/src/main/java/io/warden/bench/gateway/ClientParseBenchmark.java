package io.warden.bench.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.gateway.mcp.JsonRpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What strict reading of client bodies (a key given twice, content after the value: issue 8) costs on the POST hot
 * path. {@code lenientTree} is how a body was read before (Jackson's defaults); {@code strictTree} is the same read with
 * duplicate detection and the end-of-input check; {@code parse} is the gateway's whole {@link JsonRpc#parse}, envelope
 * and shape checks included. Bodies: a 2026-07-28 {@code tools/call} with a small argument object, and one with 200
 * arguments. Run with
 * {@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" org.openjdk.jmh.Main ClientParseBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ClientParseBenchmark {

    private static final ObjectMapper LENIENT = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper(
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    @Param({"3", "200"})
    int arguments;

    byte[] body;

    @Setup
    public void body() {
        StringBuilder args = new StringBuilder("{");
        for (int i = 0; i < arguments; i++) {
            args.append(i == 0 ? "" : ",").append("\"argument_").append(i).append("\":\"value number ").append(i).append('"');
        }
        args.append('}');
        body = ("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":" + args
                + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                + "\"io.modelcontextprotocol/clientCapabilities\":{},\"progressToken\":\"p-42\"}}}").getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public JsonNode lenientTree() throws IOException {
        return LENIENT.readTree(body);
    }

    @Benchmark
    public JsonNode strictTree() throws IOException {
        try (JsonParser p = STRICT.createParser(body)) {
            JsonNode n = STRICT.readTree(p);
            if (p.nextToken() != null) {
                throw new IllegalStateException("trailing content");
            }
            return n;
        }
    }

    @Benchmark
    public JsonRpc.Parsed parse() {
        return JsonRpc.parse(body);
    }
}
