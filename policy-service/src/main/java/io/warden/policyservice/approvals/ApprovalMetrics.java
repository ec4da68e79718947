package io.warden.policyservice.approvals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Metrics of approvals on this replica, named once here. */
@ApplicationScoped
public class ApprovalMetrics {
    static final String WATCH_STREAMS = "warden.approval.watch.streams";
    static final String WEBHOOK = "warden.approval.webhook.attempts";

    private final MeterRegistry registry;
    private final Map<String, Counter> webhook = new ConcurrentHashMap<>();

    public ApprovalMetrics(MeterRegistry registry) {
        this.registry = registry;
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
