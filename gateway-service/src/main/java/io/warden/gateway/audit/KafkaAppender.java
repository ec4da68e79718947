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
 * <p>Order: the producer never gives up on a record (no delivery timeout), so it never lets a later record of a grant
 * overtake an earlier one that expired. A replay is sent only once the records already handed to the producer are
 * settled, so an outage does not pile up copies in its buffer. Delivery is at least once: records that were spooled
 * while the producer still held them arrive twice; every event carries a unique id, on which the audit store ignores
 * the second.
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
    /** Records handed to the producer and not yet settled, and the spool offset they cover once acknowledged. */
    private List<Future<RecordMetadata>> unsettled = List.of();
    private long unsettledEnd = -1;

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
     * retrying until the broker answers (the spool, not the producer, decides when to stop waiting), compressed
     * batches, and a bounded wait for metadata so that an unreachable broker shows up within {@code ackTimeout}.
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
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(ackTimeout.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
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
        List<Future<RecordMetadata>> acks = send(entries);
        int firstUnacked = awaitAcks(acks);
        if (firstUnacked < entries.size()) {
            // The spool was empty: after this it holds exactly these entries, still in the producer's hands.
            toSpool(entries.subList(firstUnacked, entries.size()), batch);
            unsettled = acks.subList(Math.min(firstUnacked, acks.size()), acks.size());
            // Only when every spooled entry is in the producer's hands does their acknowledgement deliver the spool.
            unsettledEnd = acks.size() == entries.size() ? spool.endOffset() : -1;
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

    /**
     * False when the broker is away and the spool could not take one more event of the largest size: what is published
     * now would be dropped. Called by the writer thread.
     */
    @Override
    public boolean accepting() {
        long pending = spooledBytes();
        return !spooling || pending >= 0 && pending + AsyncDecisionSink.MAX_LINE_BYTES <= spool.maxBytes();
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

    /**
     * Delivers the spool oldest first. Stops, until the next retry, while records handed to the producer earlier are
     * not settled, and when a chunk is not acknowledged in time.
     */
    private void replay() throws IOException {
        while (true) {
            if (!unsettled.isEmpty()) {
                if (!unsettled.stream().allMatch(Future::isDone)) {
                    nextReplayNanos = nanoClock.getAsLong() + retryNanos;
                    return; // still in the producer's hands: sending them again would only add copies
                }
                boolean acked = awaitAcks(unsettled) == unsettled.size();
                unsettled = List.of();
                if (acked && unsettledEnd >= 0) {
                    spool.delivered(unsettledEnd);
                }
                unsettledEnd = -1;
            }
            DiskSpool.Read read = spool.peek(REPLAY_BATCH);
            if (read.entries().isEmpty()) {
                spooling = false;
                LOG.log(System.Logger.Level.INFO, "decision spool delivered: publishing to Kafka topic {0} directly again", topic);
                return;
            }
            List<Future<RecordMetadata>> acks = send(read.entries());
            if (awaitAcks(acks) < acks.size() || acks.size() < read.entries().size()) {
                unsettled = acks;
                unsettledEnd = acks.size() == read.entries().size() ? read.end() : -1;
                nextReplayNanos = nanoClock.getAsLong() + retryNanos;
                return;
            }
            spool.delivered(read.end());
        }
    }

    /**
     * Hands the entries to the producer, in order. Stops at the first one the producer refuses at once (no metadata
     * within {@code max.block.ms}: the broker is unreachable), so an outage costs one wait, not one per record; the
     * returned list is then shorter than {@code entries}.
     */
    private List<Future<RecordMetadata>> send(List<DiskSpool.Entry> entries) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(entries.size());
        for (DiskSpool.Entry e : entries) {
            Future<RecordMetadata> ack;
            try {
                ack = producer.send(new ProducerRecord<>(topic, e.key(), e.event()));
            } catch (RuntimeException refused) { // the producer is closed, or refused the record outright
                return acks;
            }
            if (ack.isDone() && failed(ack)) {
                return acks;
            }
            acks.add(ack);
        }
        return acks;
    }

    private static boolean failed(Future<RecordMetadata> ack) {
        try {
            ack.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Waits up to {@code ackTimeout} in all; returns the index of the first record not acknowledged (size: all were). */
    private int awaitAcks(List<Future<RecordMetadata>> acks) {
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return i;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return i;
            }
        }
        return acks.size();
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
