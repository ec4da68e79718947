package io.warden.testsupport.kafka;

import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.ManagedProcess;
import io.warden.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real single-node KRaft Kafka broker in its own JVM, on fixed loopback ports chosen once, so that it can be stopped
 * (as an outage) and started again at the same address with its data: what an outage test of the decision pipeline
 * needs, and what {@link KafkaBroker} (in process, random ports) cannot do.
 *
 * <p>The broker's classes come from this JVM's class path: the module declares {@code org.apache.kafka:kafka_2.13}
 * (test scope; see {@link KafkaBroker} for the set of three). Logs go to {@code kafka.log} in the data folder.
 */
public final class KafkaProcess implements AutoCloseable {
    // generous: a loaded 2-core CI machine has taken over a minute to restart a broker
    private static final Duration STARTUP = Duration.ofSeconds(180);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Path log;
    private ManagedProcess process;

    private KafkaProcess(Path dir, int port, int controllerPort, Path log) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.log = log;
    }

    /** Formats a new broker in {@code dir} on free ports and starts it; returns once it accepts clients. */
    public static KafkaProcess start(Path dir) {
        return start(dir, dir.resolve("kafka.log"));
    }

    /** As {@link #start(Path)}, with the broker's output appended to {@code log} instead of {@code dir/kafka.log}. */
    public static KafkaProcess start(Path dir, Path log) {
        requireBrokerClasses();
        KafkaProcess kafka = new KafkaProcess(dir.toAbsolutePath(), FreePorts.next(), FreePorts.next(),
                log.toAbsolutePath());
        kafka.format();
        kafka.startAgain();
        return kafka;
    }

    private static void requireBrokerClasses() {
        try {
            Class.forName("kafka.Kafka", false, KafkaProcess.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("KafkaProcess needs org.apache.kafka:kafka_2.13 on the test class path", e);
        }
    }

    private Path config() {
        return dir.resolve("server.properties");
    }

    private void format() {
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(config(), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true") + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Commands.Result formatted = Commands.run(List.of(java(), "-cp", System.getProperty("java.class.path"),
                "kafka.tools.StorageTool", "format",
                // "=" form: a base64url id may start with '-', which the parser would take for an option
                "--cluster-id=" + clusterId(), "--config=" + config(), "--standalone"),
                dir, Map.of(), Duration.ofSeconds(60));
        if (formatted.exitCode() != 0) {
            throw new IllegalStateException("kafka storage format failed:\n" + formatted.output());
        }
    }

    /** A random cluster id in Kafka's form (base64url of 16 bytes, unpadded). */
    private static String clusterId() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts the broker again (after {@link #stop()} or {@link #kill()}), at the same address, with its data. */
    public void startAgain() {
        if (process != null && process.isAlive()) {
            return;
        }
        process = ManagedProcess.start("kafka-" + port, List.of(java(), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "kafka.Kafka", config().toString()),
                dir, Map.of(), log);
        ManagedProcess started = process;
        Poll.until(STARTUP, this::accepting, () -> !started.isAlive(),
                () -> "kafka did not start on port " + port + "; log:\n" + started.logTail(4000));
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A clean shutdown (SIGTERM), as when an operator stops the broker. */
    public void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(30));
        }
    }

    /** SIGKILL, as when the broker's machine dies. */
    public void kill() {
        if (process != null) {
            process.killNow();
        }
    }

    /** The broker's process id, or -1 when it is stopped. */
    public long pid() {
        ManagedProcess p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@code host:port} for {@code bootstrap.servers}; the same across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public String logTail(int maxChars) {
        return process == null ? "" : process.logTail(maxChars);
    }

    @Override
    public void close() {
        stop();
    }
}
