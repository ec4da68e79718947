package io.warden.gateway.audit;

import io.warden.api.DecisionEvent;

/** Discards every event; injected where auditing is switched off, so callers never check for null. */
public final class NoopDecisionSink implements DecisionSink {

    public static final NoopDecisionSink INSTANCE = new NoopDecisionSink();

    @Override
    public void publish(DecisionEvent event) {
        // intentionally nothing
    }
}
