package io.warden.bench.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.gateway.audit.ArgumentDigest;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.erdtman.jcs.JsonCanonicalizer;
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
 * The keyed argument digest of a decision event, once per allowed call: the gateway's own RFC 8785 canonicaliser over the
 * parsed arguments against the JCS library on Maven Central (io.github.erdtman:java-json-canonicalization, which parses
 * JSON text itself, so the arguments are written out first), both with the same HMAC-SHA256. Not in the default suite;
 * run with {@code PolicyEvaluationBenchmarkMain ArgumentDigest}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArgumentDigestBenchmark {

    /** Typical tool arguments: strings and integers; money and rates (non-integer numbers); a larger nested object. */
    @Param({"github", "refund", "nested"})
    public String arguments;

    private final ObjectMapper mapper = new ObjectMapper();
    private final ArgumentDigest digest = ArgumentDigest.ephemeral();
    private Mac mac;
    private JsonNode args;

    @Setup
    public void setUp() throws IOException, GeneralSecurityException {
        args = mapper.readTree(switch (arguments) {
            case "github" -> "{\"owner\":\"acme\",\"repo\":\"warden\",\"issue\":1234,\"labels\":[\"bug\",\"p1\"],\"draft\":false}";
            case "refund" -> "{\"amount\":12.5,\"currency\":\"EUR\",\"customer_id\":\"cus_12345678\",\"reason\":\"duplicate\","
                    + "\"meta\":{\"ticket\":88123,\"rate\":0.075}}";
            default -> "{\"query\":\"select * from orders where id = 42\",\"limit\":100,\"params\":[1,2,3,4.25,\"x\"],"
                    + "\"options\":{\"timeout_ms\":30000,\"retries\":3,\"tags\":{\"team\":\"billing\",\"env\":\"prod\"},"
                    + "\"columns\":[\"id\",\"customer\",\"total\",\"created_at\"]},\"dry_run\":true}";
        });
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    }

    @Benchmark
    public String wardenCanonicaliserAndHmac() {
        return digest.of(args);
    }

    @Benchmark
    public byte[] jcsLibraryAndHmac() throws IOException, JsonProcessingException {
        return mac.doFinal(new JsonCanonicalizer(mapper.writeValueAsString(args)).getEncodedUTF8());
    }
}
