package io.warden.gateway.cluster;

import java.time.Clock;

/**
 * What the pods of one deployment share: the bus that reaches a client's stream on whichever pod holds it, and the
 * session revocation list.
 */
public record SharedState(MessageBus streams, Revocations revocations) implements AutoCloseable {

    /** One pod, in memory: standalone mode, and tests. */
    public static SharedState local(Clock clock) {
        return new SharedState(new LocalMessageBus(), new RevocationSet(clock));
    }

    @Override
    public void close() {
        streams.close();
        revocations.close();
    }
}
