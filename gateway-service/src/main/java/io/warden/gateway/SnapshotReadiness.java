package io.warden.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the gateway has a snapshot to enforce; connected mode is not ready before its first one. */
@Readiness
@ApplicationScoped
public class SnapshotReadiness implements HealthCheck {
    private final GatewayBeans beans;

    public SnapshotReadiness(GatewayBeans beans) {
        this.beans = beans;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("snapshot").status(beans.snapshotReady()).build();
    }
}
