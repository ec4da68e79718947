package io.warden.audit.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.audit.config.AuditConfig;
import io.warden.audit.store.DecisionWriter;
import io.warden.audit.store.StoredDecision;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The ingest: a plain {@link KafkaConsumer} on a thread of its own (never an event loop), polling the decisions topic
 * in batches. Each batch runs as: parse → copy the unparseable records to the dead-letter topic (acknowledged) → insert
 * the decisions in one transaction → commit the batch's offsets. Offsets are committed only after both, so a crash
 * anywhere before re-reads the batch, and the insert ignores what is already stored.
 *
 * <p>When the database or the dead-letter topic is away, the batch is rolled back, the consumer seeks back to the
 * batch's first offsets and pauses its partitions; polls while paused return nothing and keep the group membership,
 * and after a backoff (doubling up to a maximum) the partitions are resumed and the batch is read again.
 */
@ApplicationScoped
public class DecisionConsumer {

    private static final Logger LOG = Logger.getLogger(DecisionConsumer.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final AuditConfig.Ingest config;
    private final DecisionWriter writer;
    private final IngestMetrics metrics;
    private final EventParser parser;
    private volatile Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running;
    /** What stopped the loop, other than {@link #stop()}; null while it runs or after a clean stop. */
    private volatile Throwable failure;

    public DecisionConsumer(AuditConfig config, DecisionWriter writer, IngestMetrics metrics, ObjectMapper mapper) {
        this.config = config.ingest();
        this.writer = writer;
        this.metrics = metrics;
        this.parser = new EventParser(mapper);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            start();
        } else {
            LOG.info("ingest disabled (warden.audit.ingest.enabled=false): this pod serves the API only");
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts consuming (no-op when already running). */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        failure = null;
        Thread started = new Thread(this::run, "warden-audit-ingest");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** The error that stopped ingest by itself, if any: a reason to restart the pod. */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /**
     * Stops consuming and closes the consumer: whatever batch is in flight is abandoned where it is (its offsets
     * uncommitted), exactly as a crash would leave it, and read again by whoever consumes next.
     */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Properties common = commonProperties();
        try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(consumerProperties(common));
             DeadLetters deadLetters = new DeadLetters(config.deadLetterTopic(), common, 10_000)) {
            consumer = kafka;
            new Loop(kafka, deadLetters).run();
        } catch (WakeupException e) {
            // stop() asked
        } catch (RuntimeException e) {
            failure = e;
            LOG.errorf(e, "ingest stopped by an unexpected error; the liveness check reports it");
        } finally {
            consumer = null;
            metrics.paused(false);
        }
    }

    /** The poll loop of one consumer; only the ingest thread touches it. */
    private final class Loop implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> kafka;
        private final DeadLetters deadLetters;
        private boolean paused;
        /** Since the first failed attempt until a batch goes through: logged once each way, not per retry. */
        private int failedAttempts;
        private Duration backoff = config.retryBackoff();

        Loop(KafkaConsumer<byte[], byte[]> kafka, DeadLetters deadLetters) {
            this.kafka = kafka;
            this.deadLetters = deadLetters;
        }

        void run() {
            kafka.subscribe(List.of(config.topic()), this);
            while (running) {
                if (paused) {
                    kafka.poll(backoff); // nothing is fetched while paused: this is the backoff's wait
                    resume();
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records = kafka.poll(config.pollTimeout());
                updateLag(records);
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    handle(records);
                    kafka.commitSync(nextOffsets(records));
                    recovered();
                } catch (SQLException e) {
                    retryLater(records, "database", e.toString());
                } catch (DeadLetters.DeadLetterException e) {
                    retryLater(records, "dead_letter_topic", e.getMessage());
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) {
                    // the commit failed (rebalance or broker away): stored rows are ignored when read again
                    retryLater(records, "kafka_commit", e.toString());
                }
            }
        }

        private void handle(ConsumerRecords<byte[], byte[]> records)
                throws SQLException, DeadLetters.DeadLetterException {
            List<StoredDecision> decisions = new ArrayList<>(records.count());
            List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.count());
            List<DeadLetters.Letter> letters = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                EventParser.Result result = parser.parse(record.value());
                if (result instanceof EventParser.Parsed parsed) {
                    decisions.add(parsed.decision());
                    sources.add(record);
                } else if (result instanceof EventParser.Rejected rejected) {
                    letters.add(new DeadLetters.Letter(record, rejected.cause(), rejected.detail()));
                }
            }
            try {
                insert(decisions);
            } catch (SQLException e) {
                if (!isPoison(e)) {
                    throw e;
                }
                // some row the database refuses whatever we do: find it, one row at a time
                for (int i = 0; i < decisions.size(); i++) {
                    try {
                        insert(List.of(decisions.get(i)));
                    } catch (SQLException single) {
                        if (!isPoison(single)) {
                            throw single;
                        }
                        letters.add(new DeadLetters.Letter(sources.get(i), EventParser.Cause.UNSTORABLE,
                                "refused by the database: SQLSTATE " + single.getSQLState()));
                    }
                }
            }
            deadLetters.send(letters);
            for (DeadLetters.Letter letter : letters) {
                metrics.deadLetter(letter.cause());
                LOG.warnf("record %s-%d@%d sent to %s: %s (%s)", letter.record().topic(), letter.record().partition(),
                        letter.record().offset(), config.deadLetterTopic(), letter.cause().tag(), letter.detail());
            }
        }

        private void insert(List<StoredDecision> decisions) throws SQLException {
            long start = System.nanoTime();
            int inserted = writer.insert(decisions);
            if (!decisions.isEmpty()) {
                metrics.stored(decisions.size(), inserted, System.nanoTime() - start);
            }
        }

        private void retryLater(ConsumerRecords<byte[], byte[]> records, String cause, String error) {
            Set<TopicPartition> assigned = kafka.assignment();
            for (TopicPartition partition : records.partitions()) {
                if (assigned.contains(partition)) { // one taken away meanwhile is re-read by its new owner
                    kafka.seek(partition, records.records(partition).get(0).offset());
                }
            }
            metrics.retry(cause);
            if (failedAttempts++ == 0) {
                LOG.warnf("ingest paused (%s unavailable: %s); retrying with a backoff from %s up to %s", cause, error,
                        backoff, config.retryBackoffMax());
            }
            kafka.pause(kafka.assignment());
            paused = true;
            metrics.paused(true);
        }

        private void recovered() {
            if (failedAttempts > 0) {
                LOG.infof("ingest resumed after %d failed attempt(s)", failedAttempts);
                failedAttempts = 0;
            }
            backoff = config.retryBackoff();
        }

        private void resume() {
            kafka.resume(kafka.assignment());
            paused = false;
            metrics.paused(false);
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(config.retryBackoffMax()) > 0 ? config.retryBackoffMax() : doubled;
        }

        /** Records not stored yet: those just fetched plus those behind them on the broker. */
        private void updateLag(ConsumerRecords<byte[], byte[]> fetched) {
            long total = fetched.count();
            for (TopicPartition partition : kafka.assignment()) {
                OptionalLong lag = kafka.currentLag(partition);
                total += lag.orElse(0);
            }
            metrics.lag(total);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                kafka.pause(partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // nothing pending: every batch is committed or rewound before the next poll
        }
    }

    /**
     * True for errors that the same row will always hit (bad data, a value too large for an index), false for those
     * that pass with time (connection lost, database starting or shutting down, out of resources).
     */
    static boolean isPoison(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private Properties commonProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", config.bootstrapServers());
        props.putAll(config.kafka());
        return props;
    }

    /** Bytes a fetch waits for, up to {@link #FETCH_MAX_WAIT_MS}: one transaction and one commit per ~150 events. */
    static final int FETCH_MIN_BYTES = 64 * 1024;
    /** How long a fetch may wait for {@link #FETCH_MIN_BYTES}: the most that batching adds to an event's way in. */
    static final int FETCH_MAX_WAIT_MS = 250;

    /**
     * The fetch defaults, then {@code common} (so {@code warden.audit.ingest.kafka.*} can override them). Kafka's own
     * default answers a fetch as soon as one byte is there, which under load makes every few events a fetch, an insert
     * transaction and an offset commit of their own; waiting a little for a fuller fetch costs latency nobody reads live.
     */
    static Properties withFetchDefaults(Properties common) {
        Properties props = new Properties();
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, String.valueOf(FETCH_MIN_BYTES));
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
        props.putAll(common);
        return props;
    }

    private Properties consumerProperties(Properties common) {
        Properties props = withFetchDefaults(common);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.maxBatch()));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }
}
