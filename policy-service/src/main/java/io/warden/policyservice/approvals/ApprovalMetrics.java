package io.warden.policyservice.approvals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Metrics of approvals on this replica, named once here. */
@ApplicationScoped
public class ApprovalMetrics {
    static final String WATCH_STREAMS = "warden.approval.watch.streams";
    static final String WEBHOOK = "warden.approval.webhook.attempts";
    static final String PENDING = "warden.approvals.pending";

    private final MeterRegistry registry;
    private final Map<String, Counter> webhook = new ConcurrentHashMap<>();
    /** Counted by the sweeper (never on the scrape, which must not wait for the database); -1 until first counted. */
    private final AtomicLong pending = new AtomicLong(-1);

    public ApprovalMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(PENDING, pending, p -> p.get() < 0 ? Double.NaN : p.get())
                .description("Approvals waiting for a decision (the whole deployment's, counted every sweep)")
                .register(registry);
    }

    /** The number of approvals waiting, as the latest sweep counted it. */
    void pending(long count) {
        pending.set(count);
    }

    /** The open Watch streams, read from the set that holds them. */
    void watchStreams(Set<?> streams) {
        registry.gauge(WATCH_STREAMS, streams, Set::size);
    }

    /** One webhook attempt: {@code delivered}, {@code retry} or {@code given_up}. */
    void webhookAttempt(String outcome) {
        webhook.computeIfAbsent(outcome, o -> Counter.builder(WEBHOOK).tag("outcome", o)
                .description("Approval webhook POSTs by outcome").register(registry)).increment();
    }
}
