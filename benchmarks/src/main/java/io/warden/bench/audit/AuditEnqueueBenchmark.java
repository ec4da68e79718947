package io.warden.bench.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.gateway.audit.AsyncDecisionSink;
import io.warden.gateway.audit.EventSequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.HdrHistogram.Histogram;

/**
 * The request path's cost of auditing one decision: what the gateway's recorder does on an event loop (build the
 * event, take its sequence number, offer it to the sink's bounded queue), timed per decision on two threads (the
 * build machine's cores, as two event loops) while the sink's writer drains to a real JSON-lines file. Prints the
 * p50/p90/p99/p99.9 of that cost and the drops; the target is p99 at most 20 µs and never waiting.
 *
 * <p>Run: {@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)"
 * io.warden.bench.audit.AuditEnqueueBenchmark [decisions per thread, default 2,000,000]}.
 */
public final class AuditEnqueueBenchmark {

    private AuditEnqueueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int perThread = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int threads = 2;
        Path dir = Files.createTempDirectory("audit-enqueue");
        Path file = dir.resolve("decisions.jsonl");
        EventSequence sequence = EventSequence.forGateway("bench");
        try (AsyncDecisionSink sink = AsyncDecisionSink.toFile(file, 10_000, new ObjectMapper())
                .heartbeats("bench", sequence, Duration.ofSeconds(1), Clock.systemUTC())) {
            // Warm-up round (JIT), then the measured round.
            for (String round : List.of("warm-up", "measured")) {
                Histogram all = new Histogram(3_600_000_000L, 3);
                CountDownLatch done = new CountDownLatch(threads);
                long droppedBefore = sink.dropped();
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    new Thread(() -> {
                        Histogram mine = new Histogram(3_600_000_000L, 3);
                        for (int i = 0; i < perThread; i++) {
                            long t0 = System.nanoTime();
                            sink.publish(decision(sequence, thread, i));
                            mine.recordValue(System.nanoTime() - t0);
                        }
                        synchronized (all) {
                            all.add(mine);
                        }
                        done.countDown();
                    }, "event-loop-" + t).start();
                }
                done.await();
                double seconds = (System.nanoTime() - start) / 1e9;
                long decisions = (long) threads * perThread;
                System.out.printf("%s: %,d decisions on %d threads in %.1f s (%,.0f/s offered); enqueue cost per decision "
                                + "p50 %.2f µs, p90 %.2f µs, p99 %.2f µs, p99.9 %.2f µs, max %.0f µs; dropped (queue full) %,d%n",
                        round, decisions, threads, seconds, decisions / seconds,
                        all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(90) / 1e3,
                        all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3,
                        sink.dropped() - droppedBefore);
            }
            System.out.printf("written to the file so far: %,d%n", sink.written());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a temp dir
            }
            Files.deleteIfExists(dir);
        }
    }

    /** What the recorder builds for an allowed tools/call: every field a real one has, arguments as keys and digest. */
    private static DecisionEvent decision(EventSequence sequence, int thread, int i) {
        return DecisionEvent.builder()
                .id(io.warden.gateway.proxy.DecisionIds.next())
                .gatewayId("bench")
                .requestId(Integer.toString(i))
                .serverId("github")
                .grantId("grant-" + (i & 63))
                .grantLabel("CI bot")
                .era(DecisionEvent.Era.MODERN)
                .protocolVersion("2026-07-28")
                .method("tools/call")
                .tool("create_issue")
                .outcome(DecisionEvent.Outcome.ALLOWED, null, null)
                .policy("repo-policy", "7")
                .argumentSummary(List.of("title", "repo", "owner"), "hmac-sha256:" + "ab".repeat(32), "0a1b2c3d")
                .gatewayMicros(40 + thread)
                .sequence(sequence.instance(), sequence.next())
                .build();
    }
}
