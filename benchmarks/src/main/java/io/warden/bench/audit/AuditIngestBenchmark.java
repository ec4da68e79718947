package io.warden.bench.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.DecisionEvent;
import io.warden.api.GrantTokens;
import io.warden.gateway.audit.AsyncDecisionSink;
import io.warden.gateway.audit.EventSequence;
import io.warden.gateway.audit.KafkaAppender;
import io.warden.gateway.proxy.DecisionIds;
import io.warden.stack.PackagedService;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.kafka.KafkaProcess;
import io.warden.testsupport.postgres.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * audit-service's ingest, measured through the real parts: a standalone Kafka broker and a private PostgreSQL 15
 * (test-support), the packaged audit-service ({@code quarkus-run.jar}) as one process per topic partition (a pod is one
 * consumer thread, so partitions are how ingest scales out), decision events produced with the gateway's producer
 * settings.
 *
 * <p><b>Throughput</b>, for each partition count and {@code warden.audit.ingest.max-batch}: the pods start on an empty
 * topic of a fresh database and join their group; a warm-up of EVENTS / 5 events is stored; then EVENTS events (200
 * grants, keyed by grant) are produced as fast as the producer goes, and the clock stops when the pods' {@code warden_audit_ingested_total} reaches EVENTS (checked
 * every 200 ms; the table's count is checked once after). Prints events/s and the CPU time per event of the audit JVMs
 * and of PostgreSQL's processes (from {@code /proc}, so other load on the machine does not inflate it).
 *
 * <p><b>Decision to queryable</b>: one pod with the service's defaults, a topic of 2 partitions; events published
 * through the gateway's own sink ({@link AsyncDecisionSink} over {@link KafkaAppender}, as a gateway in connected mode
 * does) at RATE per second, while a reader polls {@code GET /api/decisions} (newest first) back to back; each event's
 * latency runs from the {@code publish} call to the first API answer that lists it (so it includes up to one poll of
 * the reader, whose mean period is printed). The first 10 s of events are a warm-up, not measured.
 *
 * <p>Run (after {@code ./mvnw -B -ntp -pl benchmarks -am package dependency:build-classpath -DskipTests
 * -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime}): {@code java -cp
 * "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" io.warden.bench.audit.AuditIngestBenchmark [EVENTS=100000]
 * [PARTITIONS=1,2,4] [BATCHES=100,500,2000] [LATENCY_SECONDS=30] [RATE=100]}.
 */
public final class AuditIngestBenchmark {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern INGESTED = Pattern.compile("(?m)^warden_audit_ingested_total(?:\\{[^}]*})? ([0-9.eE+]+)");
    private static final String API_KEY = "bench-audit-key";
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final int WARM_UP_SECONDS = 10;

    private AuditIngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int[] partitions = ints(args.length > 1 ? args[1] : "1,2,4"); // "0": latency only
        int[] batches = ints(args.length > 2 ? args[2] : "100,500,2000");
        int latencySeconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        int rate = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        Path dir = Files.createTempDirectory("audit-ingest-bench");
        // PostgreSQL runs as its own user and must reach its data directory below this one
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.printf("audit ingest benchmark: %,d events per run, partitions %s, max-batch %s; load average %s%n",
                events, Arrays.toString(partitions), Arrays.toString(batches), loadAverage());
        try (PostgresServer postgres = PostgresServer.launchIn(dir.resolve("postgres"), dir.resolve("postgres.log"));
             KafkaProcess kafka = KafkaProcess.start(dir.resolve("kafka"), dir.resolve("kafka.log"));
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<byte[][]> records = records(events);
            for (int p : Arrays.stream(partitions).filter(p -> p > 0).toArray()) {
                for (int b : batches) {
                    throughput(postgres, kafka, admin, dir, records, p, b);
                }
            }
            if (latencySeconds > 0) {
                latency(postgres, kafka, admin, dir, latencySeconds, rate);
            }
        } finally {
            io.warden.testsupport.Commands.deleteTree(dir); // the servers are closed by now: their data goes too
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
    }

    private static void throughput(PostgresServer postgres, KafkaProcess kafka, Admin admin, Path dir,
                                   List<byte[][]> records, int partitions, int batch) throws Exception {
        String name = "ingest_p" + partitions + "_b" + batch;
        String topic = "decisions-" + name;
        postgres.createDatabase(name);
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        List<PackagedService> pods = new ArrayList<>();
        try {
            for (int i = 0; i < partitions; i++) {
                PackagedService pod = pod(postgres, kafka, dir, name + "-" + i, name, topic, Map.of(
                        "warden.audit.ingest.max-batch", String.valueOf(batch)));
                pods.add(pod);
                pod.start(Duration.ofMinutes(3)); // one at a time: Flyway migrates once, the others find it done
            }
            awaitGroup(admin, "bench-" + name, partitions);
            // Warm-up (JIT, connections, first partitions): a fifth of the events, stored before the clock starts.
            List<byte[][]> warmUp = records(records.size() / 5);
            try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
                for (byte[][] record : warmUp) {
                    producer.send(new ProducerRecord<>(topic, new String(record[0], StandardCharsets.UTF_8), record[1]));
                }
            }
            while (ingested(pods) < warmUp.size()) {
                Thread.sleep(200);
            }
            long[] cpuBefore = cpu(pods, postgres);
            long start = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
                for (byte[][] record : records) {
                    producer.send(new ProducerRecord<>(topic, new String(record[0], StandardCharsets.UTF_8), record[1]));
                }
                producer.flush();
            }
            double produced = (System.nanoTime() - start) / 1e9;
            long stored;
            while ((stored = ingested(pods) - warmUp.size()) < records.size()) {
                Thread.sleep(200); // polling a counter (a scrape costs the pod CPU: not too often)
                if (System.nanoTime() - start > Duration.ofMinutes(20).toNanos()) {
                    throw new IllegalStateException("only " + stored + " of " + records.size() + " stored after 20 min");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] cpuAfter = cpu(pods, postgres);
            String rows = postgres.psql(name, "SELECT count(*) FROM decisions");
            if (Long.parseLong(rows) != records.size() + warmUp.size()) {
                throw new IllegalStateException(rows + " rows stored, " + (records.size() + warmUp.size()) + " produced");
            }
            System.out.printf("partitions %d (pods %d), max-batch %,5d: %,d events in %.1f s = %,.0f events/s "
                            + "(produced in %.1f s); CPU per event: audit-service %.0f µs, PostgreSQL %.0f µs; load %s%n",
                    partitions, pods.size(), batch, records.size(), seconds, records.size() / seconds, produced,
                    micros(cpuAfter[0] - cpuBefore[0], records.size()), micros(cpuAfter[1] - cpuBefore[1], records.size()),
                    loadAverage());
        } finally {
            pods.forEach(PackagedService::close);
        }
    }

    private static void latency(PostgresServer postgres, KafkaProcess kafka, Admin admin, Path dir, int seconds,
                                int rate) throws Exception {
        String name = "latency";
        String topic = "decisions-latency";
        postgres.createDatabase(name);
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        try (PackagedService pod = pod(postgres, kafka, dir, name, name, topic, Map.of())) {
            pod.start(Duration.ofMinutes(3));
            awaitGroup(admin, "bench-" + name, 1);
            Map<String, Long> published = new ConcurrentHashMap<>();
            Histogram histogram = new Histogram(60_000_000_000L, 3);
            EventSequence sequence = EventSequence.forGateway("bench");
            Instant from = Instant.now().minusSeconds(5);
            int total = seconds * rate;
            Thread reader = new Thread(() -> read(pod, from, published, histogram, total), "api-reader");
            try (AsyncDecisionSink sink = new AsyncDecisionSink(KafkaAppender.open(kafka.bootstrapServers(), topic,
                    "bench-gateway", dir.resolve("spool"), 64L << 20, Duration.ofSeconds(5), Duration.ofSeconds(1)),
                    10_000, MAPPER, "bench")
                    .heartbeats("bench", sequence, Duration.ofSeconds(10), Clock.systemUTC())) {
                reader.start();
                long period = 1_000_000_000L / rate;
                long next = System.nanoTime();
                int warmUp = WARM_UP_SECONDS * rate; // JIT, connections, metadata: published, not measured
                for (int i = 0; i < warmUp + total; i++) {
                    while (System.nanoTime() < next) {
                        Thread.onSpinWait();
                    }
                    DecisionEvent event = event(sequence, i);
                    if (i >= warmUp) {
                        published.put(event.id(), System.nanoTime());
                    }
                    sink.publish(event);
                    next += period;
                }
                reader.join(Duration.ofMinutes(2).toMillis());
            }
            reader.interrupt();
            System.out.printf("decision to queryable: %,d events at %d/s over %d s (topic of 2 partitions, 1 pod, "
                            + "service defaults): p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; %,d never seen; "
                            + "load %s%n",
                    total, rate, seconds, histogram.getValueAtPercentile(50) / 1e6,
                    histogram.getValueAtPercentile(90) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
                    histogram.getMaxValue() / 1e6, published.size(), loadAverage());
        }
    }

    /** Polls the newest page back to back; records each published id's latency the first time it is listed. */
    private static void read(PackagedService pod, Instant from, Map<String, Long> published, Histogram histogram,
                             int total) {
        long seen = 0;
        long polls = 0;
        long started = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (seen < total && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            try {
                HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(pod.baseUrl()
                                + "/api/decisions?server=bench&limit=200&from=" + from))
                        .header("Authorization", "Bearer " + API_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
                long now = System.nanoTime();
                polls++;
                if (page.statusCode() != 200) {
                    continue;
                }
                for (var item : MAPPER.readTree(page.body()).get("items")) {
                    Long at = published.remove(item.get("id").asText());
                    if (at != null) {
                        histogram.recordValue(Math.max(0, now - at));
                        if (seen % (total / 5 + 1) == 0) {
                            System.out.printf("  %,d seen, this one after %.0f ms%n", seen, (now - at) / 1e6);
                        }
                        seen++;
                    }
                }
            } catch (IOException e) {
                // the next poll tries again
            } catch (InterruptedException e) {
                break;
            }
        }
        System.out.printf("  reader: %,d polls, one every %.0f ms on average%n", polls,
                (System.nanoTime() - started) / 1e6 / Math.max(1, polls));
    }

    private static PackagedService pod(PostgresServer postgres, KafkaProcess kafka, Path dir, String podName,
                                       String database, String topic, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(database),
                "quarkus.datasource.username", postgres.username(),
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "warden.audit.ingest.topic", topic,
                "warden.audit.ingest.group-id", "bench-" + database,
                "quarkus.log.level", "WARN"));
        settings.putAll(extra);
        return new PackagedService(podName, "audit-service", FreePorts.next(), dir.resolve(podName),
                dir.resolve(podName + ".log"), "/q/health/ready", settings, Map.of(
                "quarkus.datasource.password", postgres.password(),
                "warden.audit.api-keys[0].name", "bench",
                "warden.audit.api-keys[0].hash", GrantTokens.hash(API_KEY),
                "warden.audit.api-keys[0].role", "viewer"), List.of("-Xmx512m"));
    }

    /** Waits until the group has {@code members} members holding every partition between them. */
    private static void awaitGroup(Admin admin, String group, int members) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            } catch (java.util.concurrent.ExecutionException notYet) { // the group does not exist before its first join
                Thread.sleep(100);
                continue;
            }
            int assigned = d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
            if (d.members().size() == members && assigned >= members
                    && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                return;
            }
            Thread.sleep(100); // polling the broker's view of the group
        }
        throw new IllegalStateException("group " + group + " did not settle with " + members + " members");
    }

    /** The EVENTS records, serialised up front: key (grant) and value. */
    private static List<byte[][]> records(int events) {
        EventSequence sequence = EventSequence.forGateway("bench");
        List<byte[][]> records = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            DecisionEvent event = event(sequence, i);
            try {
                records.add(new byte[][] {event.grantId().getBytes(StandardCharsets.UTF_8), MAPPER.writeValueAsBytes(event)});
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return records;
    }

    /** A decision as a gateway records it: every field a real one has, arguments as keys and digest. */
    private static DecisionEvent event(EventSequence sequence, int i) {
        boolean denied = i % 5 == 0;
        return DecisionEvent.builder()
                .id(DecisionIds.next())
                .gatewayId("bench")
                .requestId(Integer.toString(i))
                .serverId("bench")
                .grantId("grant-" + (i % 200))
                .grantLabel("CI bot")
                .era(DecisionEvent.Era.MODERN)
                .protocolVersion("2026-07-28")
                .method("tools/call")
                .tool("tool_" + (i % 40))
                .outcome(denied ? DecisionEvent.Outcome.DENIED : DecisionEvent.Outcome.ALLOWED,
                        denied ? "/tools/tool_" + (i % 40) + "/deny_if/0" : null, denied ? "not on main" : null)
                .policy("repo-policy", "7")
                .argumentSummary(List.of("title", "repo", "owner"), "hmac-sha256:" + "ab".repeat(32), "0a1b2c3d")
                .gatewayMicros(40 + i % 500)
                .sequence(sequence.instance(), sequence.next())
                .build();
    }

    /** The gateway's producer settings (KafkaAppender): idempotent, acks=all, zstd, 5 ms linger, 256 KiB batches. */
    private static KafkaProducer<String, byte[]> producer(KafkaProcess kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(256L << 20));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Events stored so far by all pods ({@code warden_audit_ingested_total}). */
    private static long ingested(List<PackagedService> pods) throws Exception {
        long total = 0;
        for (PackagedService pod : pods) {
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(pod.baseUrl() + "/q/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = INGESTED.matcher(metrics);
            if (m.find()) {
                total += (long) Double.parseDouble(m.group(1));
            }
        }
        return total;
    }

    /** CPU ticks so far: {audit pods, PostgreSQL's process tree}. */
    private static long[] cpu(List<PackagedService> pods, PostgresServer postgres) throws IOException {
        Map<Long, Long> parents = new HashMap<>();
        Map<Long, Long> ticks = new HashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long pid = Long.parseLong(n);
                    parents.put(pid, Long.parseLong(f[1]));
                    ticks.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
            }
        }
        long audit = 0;
        for (PackagedService pod : pods) {
            audit += tree(pod.pid(), parents, ticks);
        }
        return new long[] {audit, tree(postgres.pid(), parents, ticks)};
    }

    private static long tree(long root, Map<Long, Long> parents, Map<Long, Long> ticks) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : ticks.entrySet()) {
            for (long p = e.getKey(); p > 1; p = parents.getOrDefault(p, 0L)) {
                if (p == root) {
                    sum += e.getValue();
                    break;
                }
            }
        }
        return sum;
    }

    private static double micros(long ticks, long events) {
        return ticks * (1e6 / TICKS_PER_SECOND) / events;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).substring(0, 14).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
