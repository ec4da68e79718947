package io.warden.gateway.proxy;

import io.warden.gateway.config.GatewayConfig;

/** Turns an exchange's verdict into a decision event. (Placeholder until the decision log lands.) */
public final class DecisionRecorder implements AutoCloseable {

    public static DecisionRecorder create(GatewayConfig config) {
        return new DecisionRecorder();
    }

    void record(Exchange ex, String decisionId, String error) {
    }

    @Override
    public void close() {
    }
}
