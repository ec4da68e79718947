package io.warden.gateway.audit;

import io.warden.api.DecisionEvent;

/** Where decision events go. Implementations never block the caller and never throw; what they cannot take they count. */
public interface DecisionSink {

    void publish(DecisionEvent event);
}
