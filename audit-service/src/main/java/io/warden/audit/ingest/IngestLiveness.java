package io.warden.audit.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN when the ingest loop died of an unexpected error (so Kubernetes restarts the pod). A database or dead-letter
 * outage is not a failure here: ingest waits for it by itself, and a restart would not help.
 */
@Liveness
@ApplicationScoped
public class IngestLiveness implements HealthCheck {

    private final DecisionConsumer consumer;

    public IngestLiveness(DecisionConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        return consumer.failure()
                .map(error -> HealthCheckResponse.named("warden-audit-ingest").down()
                        .withData("error", error.getClass().getName()).build())
                .orElseGet(() -> HealthCheckResponse.up("warden-audit-ingest"));
    }
}
