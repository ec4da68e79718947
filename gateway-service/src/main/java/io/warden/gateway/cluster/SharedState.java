package io.warden.gateway.cluster;

import java.time.Clock;

/**
 * What the pods of one deployment share: the bus that reaches a client's stream on whichever pod holds it, the
 * session revocation list, and the count of sessions each grant created or ended this minute.
 */
public record SharedState(MessageBus streams, Revocations revocations, SessionCounts sessions) implements AutoCloseable {

    /** One pod, in memory: standalone mode, and tests. */
    public static SharedState local(Clock clock) {
        return new SharedState(new LocalMessageBus(), new RevocationSet(clock), SessionCounts.POD);
    }

    @Override
    public void close() {
        streams.close();
        revocations.close();
    }
}
