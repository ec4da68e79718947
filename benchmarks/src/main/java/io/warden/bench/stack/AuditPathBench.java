package io.warden.bench.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.bench.gateway.CpuTime;
import io.warden.gateway.audit.AsyncDecisionSink;
import io.warden.gateway.audit.KafkaAppender;
import io.warden.testsupport.Commands;
import io.warden.testsupport.kafka.KafkaProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The audit path alone, at a fixed event rate, so that its cost per event can be compared between builds on a busy
 * machine: the gateway's decision sink publishing to a real Kafka broker (a separate process), and a consumer that
 * polls and commits per batch the way audit-service's ingest does (without the database). Reports produce requests,
 * fetches and commits per 1,000 events and the CPU of the sink's threads, the broker and the consumer thread per 1,000
 * events. Which appender is measured is whichever {@link KafkaAppender} is first on the class path (the printed source
 * says which); {@code --consumer-fetch kafka-default} uses Kafka's own fetch settings instead of audit-service's.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat /tmp/cp-bench.txt) io.warden.bench.stack.AuditPathBench --rate 1000 --seconds 20
 * </pre>
 */
public final class AuditPathBench {
    public static void main(String[] args) throws Exception {
        int rate = 1000;
        int seconds = 20;
        int warmupSeconds = 10;
        boolean kafkaDefaultFetch = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmupSeconds = Integer.parseInt(args[++i]);
                case "--consumer-fetch" -> kafkaDefaultFetch = args[++i].equals("kafka-default");
                default -> {
                    System.err.println("usage: AuditPathBench [--rate 1000] [--seconds 20] [--warmup 10] "
                            + "[--consumer-fetch audit|kafka-default]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("audit-path-bench");
        System.out.printf(Locale.ROOT, "# audit path, %s: %d events/s, %d s warm-up, %d s measured; appender from %s; "
                        + "consumer fetch %s; load average %s%n", Instant.now(), rate, warmupSeconds, seconds,
                KafkaAppender.class.getProtectionDomain().getCodeSource().getLocation(),
                kafkaDefaultFetch ? "Kafka's defaults" : "audit-service's", Files.readString(Path.of("/proc/loadavg")).trim());
        String topic = "warden.decisions";
        try (KafkaProcess kafka = KafkaProcess.start(dir.resolve("kafka"))) {
            KafkaAppender appender = KafkaAppender.open(kafka.bootstrapServers(), topic, "bench", dir.resolve("spool"),
                    1L << 30, Duration.ofSeconds(10), Duration.ofSeconds(1));
            AsyncDecisionSink sink = new AsyncDecisionSink(appender, 100_000, new ObjectMapper(), "bench");
            Consumer consumer = new Consumer(kafka.bootstrapServers(), topic, kafkaDefaultFetch);
            Thread consumerThread = new Thread(consumer, "bench-consumer");
            consumerThread.start();
            ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
            AtomicLong published = new AtomicLong();
            int perTick = Math.max(1, rate / 100);
            clock.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perTick; i++) {
                    long n = published.incrementAndGet();
                    sink.publish(event(n));
                }
            }, 10, 10, TimeUnit.MILLISECONDS);
            Thread.sleep(warmupSeconds * 1000L); // warm-up at the same rate: the JIT and the connections settle
            Snapshot a = Snapshot.take(kafka, consumer, published.get());
            Thread.sleep(seconds * 1000L); // the measured period
            Snapshot b = Snapshot.take(kafka, consumer, published.get());
            clock.shutdownNow();
            double events = b.published - a.published;
            System.out.println("| events/s | produce requests per 1,000 events | fetches per 1,000 | commits per 1,000 "
                    + "| CPU ms per 1,000 events: gateway sink threads | Kafka broker | consumer thread | dropped |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n",
                    events / seconds, (b.produceRequests - a.produceRequests) * 1000 / events,
                    (b.fetches - a.fetches) * 1000 / events, (b.commits - a.commits) * 1000 / events,
                    (b.sinkNanos - a.sinkNanos) / 1e6 * 1000 / events,
                    (b.brokerTicks - a.brokerTicks) * 10.0 * 1000 / events,
                    (b.consumerNanos - a.consumerNanos) / 1e6 * 1000 / events, sink.dropped());
            sink.close();
            consumer.running.set(false);
            consumerThread.join(10_000);
        } finally {
            Commands.deleteTree(dir);
        }
    }

    private static final Instant TIME = Instant.parse("2026-12-03T10:00:00Z");

    /** An allowed call's decision, about the size the stack's are (~600 bytes of JSON). */
    private static DecisionEvent event(long n) {
        return DecisionEvent.builder().id(UUID.randomUUID().toString()).time(TIME).gatewayId("gateway-1")
                .serverId("echo").grantId("bench").grantLabel("bench").era(DecisionEvent.Era.MODERN)
                .protocolVersion("2026-07-28").method("tools/call").tool("echo").requestId(Long.toString(n))
                .outcome(DecisionEvent.Outcome.ALLOWED, "", "").policy("bench", "1")
                .argumentSummary(List.of("message"), "hmac-sha256:da95dfb1b455b12cdba46ebde6a8f559ba3e8d88fe5d988587bce4a6f0a38d09",
                        "a608a418")
                .upstream(200, 2272).gatewayMicros(n % 1000).build();
    }

    /** Polls and commits per non-empty poll, like audit-service's ingest loop (50 ms polls, as the local stack sets). */
    private static final class Consumer implements Runnable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final KafkaConsumer<byte[], byte[]> kafka;
        volatile long threadId = -1;

        Consumer(String bootstrap, String topic, boolean kafkaDefaultFetch) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-consumer");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
            if (!kafkaDefaultFetch) { // audit-service's DecisionConsumer defaults
                p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "65536");
                p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "250");
            }
            kafka = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            kafka.subscribe(List.of(topic));
        }

        @Override
        public void run() {
            threadId = Thread.currentThread().getId();
            try (kafka) {
                while (running.get()) {
                    ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(50));
                    if (records.isEmpty()) {
                        continue;
                    }
                    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    kafka.commitSync(next);
                }
            }
        }
    }

    private record Snapshot(long published, double produceRequests, double fetches, double commits, long sinkNanos,
                            long brokerTicks, long consumerNanos) {
        static Snapshot take(KafkaProcess kafka, Consumer consumer, long published) throws Exception {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long sink = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("warden-decision-sink") || t.getName().startsWith("kafka-producer-network-thread")) {
                    sink += Math.max(0, mx.getThreadCpuTime(t.getId()));
                }
            }
            // through JMX: a KafkaConsumer must not be touched by a second thread
            return new Snapshot(published, jmx("kafka.producer:type=producer-metrics,client-id=bench", "request-total"),
                    jmx("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=bench-consumer", "fetch-total"),
                    jmx("kafka.consumer:type=consumer-coordinator-metrics,client-id=bench-consumer", "commit-total"),
                    sink, CpuTime.ticks(kafka.pid()), Math.max(0, mx.getThreadCpuTime(consumer.threadId)));
        }

        private static double jmx(String name, String attribute) throws Exception {
            return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(name), attribute))
                    .doubleValue();
        }
    }
}
