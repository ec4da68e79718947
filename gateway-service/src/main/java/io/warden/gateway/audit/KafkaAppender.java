package io.warden.gateway.audit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes decision events to a Kafka topic, keyed by grant id so that one grant's events stay in order. Runs on the
 * sink's writer thread only, so waiting for the broker never touches a request: each batch is sent and its
 * acknowledgements awaited (idempotent producer, {@code acks=all}). When the broker does not acknowledge in time, the
 * batch and every later one go to a {@link DiskSpool} in order, until a replay of the spool (tried every
 * {@code retryInterval}, also while no events arrive) gets through; then direct sending resumes. Past the spool's
 * capacity events are dropped and counted ({@link DropCause#SPOOL_FULL}).
 *
 * <p>Delivery is at least once: a batch whose acknowledgement was lost is sent again from the spool. Every event
 * carries a unique id, on which the audit store ignores duplicates.
 */
public final class KafkaAppender implements AsyncDecisionSink.Appender {

    private static final System.Logger LOG = System.getLogger(KafkaAppender.class.getName());
    private static final int REPLAY_BATCH = 500;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final DiskSpool spool;
    private final Duration ackTimeout;
    private final long retryNanos;
    private final LongSupplier nanoClock;
    private long nextReplayNanos;
    private boolean spooling;

    KafkaAppender(Producer<String, byte[]> producer, String topic, DiskSpool spool, Duration ackTimeout, Duration retryInterval,
                  LongSupplier nanoClock) throws IOException {
        this.producer = producer;
        this.topic = topic;
        this.spool = spool;
        this.ackTimeout = ackTimeout;
        this.retryNanos = retryInterval.toNanos();
        this.nanoClock = nanoClock;
        this.spooling = !spool.isEmpty(); // events left from before a restart go first
    }

    /**
     * Producer settings: idempotent with {@code acks=all} (a retry inside the client never duplicates or reorders),
     * compressed batches, and bounded waits so that an unreachable broker shows up within {@code ackTimeout}.
     */
    static Properties producerProperties(String bootstrapServers, String clientId, Duration ackTimeout) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        int timeout = (int) ackTimeout.toMillis();
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1000, timeout / 2)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout + 5 + Math.max(1000, timeout / 2)));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    /** The production appender: a real producer, the spool in {@code spoolDir}. */
    public static KafkaAppender open(String bootstrapServers, String topic, String clientId, java.nio.file.Path spoolDir,
                                     long spoolMaxBytes, Duration ackTimeout, Duration retryInterval) throws IOException {
        Producer<String, byte[]> producer = new KafkaProducer<>(producerProperties(bootstrapServers, clientId, ackTimeout),
                new StringSerializer(), new ByteArraySerializer());
        return new KafkaAppender(producer, topic, DiskSpool.open(spoolDir, spoolMaxBytes), ackTimeout, retryInterval,
                System::nanoTime);
    }

    @Override
    public void append(AsyncDecisionSink.Batch batch) throws IOException {
        List<DiskSpool.Entry> entries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            entries.add(new DiskSpool.Entry(batch.key(i), batch.event(i)));
        }
        if (spooling && nanoClock.getAsLong() >= nextReplayNanos) {
            replay();
        }
        if (spooling) {
            toSpool(entries, batch); // behind what is already waiting, so the order holds
            return;
        }
        List<DiskSpool.Entry> unsent = send(entries);
        if (!unsent.isEmpty()) {
            toSpool(unsent, batch);
            startSpooling();
        }
    }

    @Override
    public void idle() {
        if (spooling && nanoClock.getAsLong() >= nextReplayNanos) {
            try {
                replay();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "decision spool unreadable: {0}", e.toString());
                nextReplayNanos = nanoClock.getAsLong() + retryNanos;
            }
        }
    }

    /** True while events go to the spool because the broker is (or was lately) unreachable. */
    public boolean spooling() {
        return spooling;
    }

    /** Bytes of events waiting in the spool. */
    public long spooledBytes() {
        try {
            return spool.pendingBytes();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Sends the spool oldest first; stops at the first batch the broker does not acknowledge. */
    private void replay() throws IOException {
        while (true) {
            DiskSpool.Read read = spool.peek(REPLAY_BATCH);
            if (read.entries().isEmpty()) {
                spooling = false;
                LOG.log(System.Logger.Level.INFO, "decision spool delivered: publishing to Kafka topic {0} directly again", topic);
                return;
            }
            if (!send(read.entries()).isEmpty()) {
                nextReplayNanos = nanoClock.getAsLong() + retryNanos;
                return;
            }
            spool.delivered(read.end());
        }
    }

    /**
     * Sends every entry and waits for the acknowledgements; returns the entries from the first one not acknowledged on
     * (possibly sent after all: they are spooled and sent again, and the store ignores the duplicates).
     */
    private List<DiskSpool.Entry> send(List<DiskSpool.Entry> entries) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(entries.size());
        try {
            for (DiskSpool.Entry e : entries) {
                acks.add(producer.send(new ProducerRecord<>(topic, e.key(), e.event())));
            }
        } catch (RuntimeException e) { // no metadata within max.block.ms, or the producer was closed
            return entries.subList(0, entries.size());
        }
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return entries.subList(i, entries.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return entries.subList(i, entries.size());
            }
        }
        return List.of();
    }

    private void toSpool(List<DiskSpool.Entry> entries, AsyncDecisionSink.Batch batch) throws IOException {
        int lost = spool.add(entries);
        if (lost > 0) {
            batch.lost(DropCause.SPOOL_FULL, lost);
        }
    }

    private void startSpooling() {
        spooling = true;
        nextReplayNanos = nanoClock.getAsLong() + retryNanos;
        LOG.log(System.Logger.Level.WARNING, "Kafka did not acknowledge decision events within {0} ms: spooling them to disk "
                + "and retrying every {1} ms (check kafka bootstrap servers and the broker)", ackTimeout.toMillis(), retryNanos / 1_000_000);
    }

    @Override
    public void close() throws IOException {
        try {
            producer.close(ackTimeout);
        } finally {
            spool.close();
        }
    }
}
