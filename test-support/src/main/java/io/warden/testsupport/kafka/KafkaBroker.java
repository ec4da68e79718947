package io.warden.testsupport.kafka;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft Kafka (combined broker + controller) inside this JVM, built with Kafka's own
 * {@code KafkaClusterTestKit} 4.1.2 (the version the Quarkus BOM pins), on free loopback ports.
 *
 * <p>The test kit is an <b>optional</b> dependency of test-support: a module that starts a broker declares
 * {@code org.apache.kafka:kafka-test-common-runtime}, {@code org.apache.kafka:kafka_2.13} and
 * {@code org.apache.kafka:kafka-clients} (classifier {@code test}) in test scope itself; versions come from
 * the parent POM. Without them, {@link #launch()} fails with a message saying so.
 */
public final class KafkaBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts the broker, returning once it is ready for clients. */
    public static KafkaBroker launch() {
        return launch(Map.of());
    }

    /** As {@link #launch()}, with extra broker settings (e.g. {@code auto.create.topics.enable=false}). */
    public static KafkaBroker launch(Map<String, String> brokerSettings) {
        requireTestKit();
        KafkaClusterTestKit cluster = null;
        try {
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build());
            Map.of("offsets.topic.replication.factor", "1",
                    "transaction.state.log.replication.factor", "1",
                    "transaction.state.log.min.isr", "1",
                    "group.initial.rebalance.delay.ms", "0",
                    "auto.create.topics.enable", "true",
                    "num.partitions", "1").forEach(builder::setConfigProp);
            brokerSettings.forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            KafkaBroker broker = new KafkaBroker(cluster);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "warden-kafka-stop"));
            return broker;
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("in-process Kafka did not start", e);
        }
    }

    private static void requireTestKit() {
        try {
            Class.forName("org.apache.kafka.common.test.KafkaClusterTestKit", false, KafkaBroker.class.getClassLoader());
            Class.forName("kafka.server.BrokerServer", false, KafkaBroker.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("KafkaBroker needs these test dependencies in your module: "
                    + "org.apache.kafka:kafka-test-common-runtime, org.apache.kafka:kafka_2.13 and "
                    + "org.apache.kafka:kafka-clients with <classifier>test</classifier> (see test-support/README.md)", e);
        }
    }

    /** {@code host:port} list for {@code bootstrap.servers} / {@code kafka.bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Client properties with {@code bootstrap.servers} set; add serializers and the rest yourself. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }

    /** Creates a topic (replication factor 1) and waits until the broker has it. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name, e.getCause());
        }
    }

    private volatile boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("in-process Kafka did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + "]";
    }
}
