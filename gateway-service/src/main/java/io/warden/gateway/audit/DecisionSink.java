package io.warden.gateway.audit;

import io.warden.api.DecisionEvent;

/** Where decision events go. Implementations never block the caller and never throw; what they cannot take they count. */
public interface DecisionSink {

    void publish(DecisionEvent event);

    /**
     * Whether an event published now would be kept (room in the queue, and at its destination as last seen). Cheap and
     * non-blocking: called on event loops.
     */
    default boolean hasRoom() {
        return true;
    }

    /** Counts an event that was never published, for {@code cause}. */
    default void countDrop(DropCause cause) {
    }
}
