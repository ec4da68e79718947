package io.warden.gateway.audit;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This gateway process's name in the audit trail and the running number of its events. Every event gets the next
 * number when it is handed to the sink, whether or not the sink can keep it, so an event lost anywhere on the way
 * leaves a gap downstream. The instance name is new on every start, so numbers never repeat under one name.
 */
public final class EventSequence {

    private final String instance;
    private final AtomicLong last = new AtomicLong();

    public EventSequence(String instance) {
        this.instance = instance;
    }

    /** {@code <gateway id>/<random>}: readable, and unique per process start. */
    public static EventSequence forGateway(String gatewayId) {
        return new EventSequence(gatewayId + "/" + UUID.randomUUID().toString().substring(0, 8));
    }

    public String instance() {
        return instance;
    }

    /** The next number, from 1. */
    public long next() {
        return last.incrementAndGet();
    }

    /** The last number given out; 0 before the first. */
    public long last() {
        return last.get();
    }
}
