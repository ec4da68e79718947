package io.warden.gateway.audit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * sink's writer thread only, so waiting for the broker never touches a request. Batches are handed to the producer
 * (idempotent, {@code acks=all}) without waiting for their acknowledgement: the producer gathers them for
 * {@code linger.ms} into one request per partition, so a busy gateway sends a few dozen requests a second instead of
 * one per drained batch. Acknowledgements are checked oldest first on every later batch and while idle; each batch has
 * {@code ackTimeout} from its hand-over, and at most {@link #MAX_IN_FLIGHT_RECORDS} wait at a time (then the writer
 * waits for the oldest). When a record is not acknowledged in time, it and every record after it (in flight or new) go
 * to a {@link DiskSpool} in order, until a replay of the spool (tried every {@code retryInterval}, also while no events
 * arrive) gets through; then direct sending resumes. Past the spool's capacity events are dropped and counted
 * ({@link DropCause#SPOOL_FULL}).
 *
 * <p>Order: the producer never gives up on a record (no delivery timeout), so it never lets a later record of a grant
 * overtake an earlier one that expired; with at most five requests in flight the idempotent producer keeps the order
 * across retries. A replay is sent only once the records already handed to the producer are settled, so an outage does
 * not pile up copies in its buffer. Delivery is at least once: records that were spooled while the producer still held
 * them arrive twice; every event carries a unique id, on which the audit store ignores the second.
 */
public final class KafkaAppender implements AsyncDecisionSink.Appender {

    private static final System.Logger LOG = System.getLogger(KafkaAppender.class.getName());
    private static final int REPLAY_BATCH = 500;
    /** Records handed to the producer and not yet acknowledged, past which the writer waits for the oldest. */
    static final int MAX_IN_FLIGHT_RECORDS = 8192;

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
    /** While not spooling: batches handed to the producer whose acknowledgements were not all seen yet, oldest first. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private int inFlightRecords;

    /** One batch in the producer's hands: its entries, their acknowledgements so far, and who counts its losses. */
    private static final class InFlight {
        final List<DiskSpool.Entry> entries;
        final List<Future<RecordMetadata>> acks;
        final long deadlineNanos;
        final AsyncDecisionSink.Batch owner;
        /** Entries acknowledged so far (a prefix). */
        int confirmed;

        InFlight(List<DiskSpool.Entry> entries, List<Future<RecordMetadata>> acks, long deadlineNanos,
                 AsyncDecisionSink.Batch owner) {
            this.entries = entries;
            this.acks = acks;
            this.deadlineNanos = deadlineNanos;
            this.owner = owner;
        }
    }

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
     * retrying until the broker answers (the spool, not the producer, decides when to stop waiting), and a bounded wait
     * for metadata so that an unreachable broker shows up within {@code ackTimeout}. Batches linger 20 ms: since the
     * writer does not wait for acknowledgements, that sets how many produce requests a gateway sends (at most ~50 a
     * second per partition until a batch fills), each of them a request the broker and the consumer pay for. LZ4: JSON
     * events compress about threefold at a fraction of zstd's cost on the gateway, the broker (which decompresses to
     * validate) and the consumer.
     */
    static Properties producerProperties(String bootstrapServers, String clientId, Duration ackTimeout) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(LINGER_MS));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(ackTimeout.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    /** How long the producer gathers records into one request. */
    static final int LINGER_MS = 20;

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
        if (!spooling) {
            settle(false);
        }
        if (spooling) {
            toSpool(entries, batch); // behind what is already waiting, so the order holds
            return;
        }
        List<Future<RecordMetadata>> acks = send(entries);
        inFlight.addLast(new InFlight(entries, acks, System.nanoTime() + ackTimeout.toNanos(), batch));
        inFlightRecords += entries.size();
        if (acks.size() < entries.size()) {
            settle(true); // refused: the broker is away; whatever is not acknowledged in time goes to the spool
            return;
        }
        while (inFlightRecords > MAX_IN_FLIGHT_RECORDS && !spooling) {
            settleOldest();
        }
    }

    @Override
    public void idle() {
        try {
            if (!spooling) {
                settle(false);
            }
            if (spooling && nanoClock.getAsLong() >= nextReplayNanos) {
                replay();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "decision spool unreadable: {0}", e.toString());
            nextReplayNanos = nanoClock.getAsLong() + retryNanos;
        }
    }

    /** Records handed to the producer whose acknowledgement was not seen yet (not counting a replay's). */
    int inFlightRecords() {
        return inFlightRecords - inFlight.stream().mapToInt(f -> f.confirmed).sum();
    }

    /**
     * Drops acknowledged records from the front of {@link #inFlight}. With {@code wait}, waits for every record (each
     * up to its batch's deadline); otherwise stops at the first one not acknowledged yet whose deadline has not passed.
     * The first record not acknowledged in time moves it and everything after it to the spool.
     */
    private void settle(boolean wait) throws IOException {
        while (!inFlight.isEmpty() && !spooling) {
            if (!settleHead(wait)) {
                return;
            }
        }
    }

    /** Waits for the oldest batch in flight: acknowledged, or spooled with everything after it. */
    private void settleOldest() throws IOException {
        settleHead(true);
    }

    /** True when the oldest batch was fully acknowledged and removed; false when it is still pending or was spooled. */
    private boolean settleHead(boolean wait) throws IOException {
        InFlight head = inFlight.peekFirst();
        while (head.confirmed < head.acks.size()) {
            Future<RecordMetadata> ack = head.acks.get(head.confirmed);
            if (!wait && !ack.isDone() && System.nanoTime() - head.deadlineNanos < 0) {
                return false;
            }
            if (!acknowledged(ack, head.deadlineNanos)) {
                spoolInFlight();
                return false;
            }
            head.confirmed++;
        }
        if (head.acks.size() < head.entries.size()) { // the producer refused the rest
            spoolInFlight();
            return false;
        }
        inFlight.removeFirst();
        inFlightRecords -= head.entries.size();
        return true;
    }

    private static boolean acknowledged(Future<RecordMetadata> ack, long deadlineNanos) {
        try {
            ack.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The spool is empty (not spooling): after this it holds every record in flight from the first one not
     * acknowledged on, in order, and they stay in the producer's hands until settled. Only when every spooled entry is
     * in the producer's hands does their acknowledgement deliver the spool.
     */
    private void spoolInFlight() throws IOException {
        List<Future<RecordMetadata>> handed = new ArrayList<>();
        boolean allHanded = true;
        for (InFlight f : inFlight) {
            toSpool(f.entries.subList(f.confirmed, f.entries.size()), f.owner);
            handed.addAll(f.acks.subList(f.confirmed, f.acks.size()));
            allHanded &= f.acks.size() == f.entries.size();
        }
        inFlight.clear();
        inFlightRecords = 0;
        unsettled = handed;
        unsettledEnd = allHanded ? spool.endOffset() : -1;
        startSpooling();
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
            if (!spooling) {
                settle(true); // what the broker does not acknowledge in time is kept in the spool for the next start
            }
        } finally {
            closeProducerAndSpool();
        }
    }

    private void closeProducerAndSpool() throws IOException {
        try {
            producer.close(ackTimeout);
        } finally {
            spool.close();
        }
    }
}
