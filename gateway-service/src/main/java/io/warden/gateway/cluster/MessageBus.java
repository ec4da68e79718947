package io.warden.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * Delivers a message to the pod that registered an address (a client's event stream), wherever that pod is, and says
 * whether it arrived. Addresses are opaque, unguessable strings chosen by the caller; one pod holds each.
 */
public interface MessageBus extends AutoCloseable {

    /** What became of one message. */
    enum Delivery {
        /** The pod holding the address received it. */
        DELIVERED,
        /** No pod holds the address (its stream ended, or its pod is gone). */
        NO_RECEIVER,
        /** The bus itself is unreachable, so whether a pod holds the address is unknown. */
        UNAVAILABLE
    }

    /**
     * Starts taking messages for {@code address} on this pod. Messages sent from this pod are delivered at once; the
     * future completes when other pods can reach the address too, or fails when they cannot yet (the bus is down: the
     * registration is kept and made good when the bus returns).
     *
     * @param handler runs on a Vert.x event loop, once per message
     */
    Future<Void> register(String address, Handler<Buffer> handler);

    void unregister(String address);

    /** Never fails: the outcome is the future's value. */
    Future<Delivery> send(String address, Buffer message);

    @Override
    void close();
}
