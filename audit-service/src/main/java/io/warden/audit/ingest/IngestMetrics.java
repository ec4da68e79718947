package io.warden.audit.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The ingest's meters, named once here; on {@code /q/metrics} each reads {@code warden_audit_…}. */
@ApplicationScoped
public class IngestMetrics {

    static final String INGESTED = "warden.audit.ingested";
    static final String DUPLICATES = "warden.audit.duplicates";
    static final String DEAD_LETTERS = "warden.audit.dead_letters";
    static final String RETRIES = "warden.audit.ingest_retries";
    static final String LAG = "warden.audit.consumer_lag";
    static final String PAUSED = "warden.audit.ingest_paused";
    static final String BATCH_SIZE = "warden.audit.batch_size";
    static final String INSERT = "warden.audit.insert";

    private final MeterRegistry registry;
    private final Counter ingested;
    private final Counter duplicates;
    private final DistributionSummary batchSize;
    private final Timer insert;
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong paused = new AtomicLong();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.ingested = Counter.builder(INGESTED).description("Decision events stored").register(registry);
        this.duplicates = Counter.builder(DUPLICATES)
                .description("Decision events received again and ignored (already stored)").register(registry);
        this.batchSize = DistributionSummary.builder(BATCH_SIZE).description("Events per insert batch")
                .publishPercentileHistogram().register(registry);
        this.insert = Timer.builder(INSERT).description("Time to insert and commit one batch")
                .publishPercentileHistogram().register(registry);
        registry.gauge(LAG, lag);
        registry.gauge(PAUSED, paused);
        for (EventParser.Cause cause : EventParser.Cause.values()) {
            deadLetterCounter(cause); // every cause visible at zero
        }
    }

    void stored(int batch, int inserted, long nanos) {
        batchSize.record(batch);
        insert.record(nanos, TimeUnit.NANOSECONDS);
        ingested.increment(inserted);
        duplicates.increment(batch - inserted);
    }

    void deadLetter(EventParser.Cause cause) {
        deadLetterCounter(cause).increment();
    }

    private Counter deadLetterCounter(EventParser.Cause cause) {
        return Counter.builder(DEAD_LETTERS).description("Records sent to the dead-letter topic")
                .tag("cause", cause.tag()).register(registry);
    }

    /** A batch that could not be finished and will be read again; {@code cause} names what was away. */
    void retry(String cause) {
        Counter.builder(RETRIES).description("Batches rolled back and retried after a backoff")
                .tag("cause", cause).register(registry).increment();
    }

    void lag(long records) {
        lag.set(records);
    }

    void paused(boolean value) {
        paused.set(value ? 1 : 0);
    }
}
