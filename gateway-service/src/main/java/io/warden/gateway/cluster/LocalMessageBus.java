package io.warden.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One pod: an address is reachable exactly while this process holds it. Also the local half of {@link RedisMessageBus}. */
public final class LocalMessageBus implements MessageBus {

    private final Map<String, Handler<Buffer>> handlers = new ConcurrentHashMap<>();

    @Override
    public Future<Void> register(String address, Handler<Buffer> handler) {
        handlers.put(address, handler);
        return Future.succeededFuture();
    }

    @Override
    public void unregister(String address) {
        handlers.remove(address);
    }

    @Override
    public Future<Delivery> send(String address, Buffer message) {
        return Future.succeededFuture(deliver(address, message) ? Delivery.DELIVERED : Delivery.NO_RECEIVER);
    }

    /** Hands the message to this pod's handler of the address; false when this pod holds no such address. */
    boolean deliver(String address, Buffer message) {
        Handler<Buffer> h = handlers.get(address);
        if (h == null) {
            return false;
        }
        h.handle(message);
        return true;
    }

    @Override
    public void close() {
        handlers.clear();
    }
}
