package io.warden.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

/**
 * Addresses across pods over Redis pub/sub: each registered address is a channel ({@code warden:stream:<address>})
 * that the holding pod subscribes to, and a send is one PUBLISH whose receiver count says whether a pod holds it.
 * An address this pod holds is delivered in process, without Redis, so local traffic keeps working while Redis is away.
 */
public final class RedisMessageBus implements MessageBus {

    static final String CHANNEL_PREFIX = "warden:stream:";

    private final RedisSubscriber redis;
    private final LocalMessageBus local = new LocalMessageBus();

    public RedisMessageBus(RedisSubscriber redis) {
        this.redis = redis;
    }

    @Override
    public Future<Void> register(String address, Handler<Buffer> handler) {
        local.register(address, handler);
        return redis.subscribe(CHANNEL_PREFIX + address, message -> local.deliver(address, message));
    }

    @Override
    public void unregister(String address) {
        local.unregister(address);
        redis.unsubscribe(CHANNEL_PREFIX + address);
    }

    @Override
    public Future<Delivery> send(String address, Buffer message) {
        if (local.deliver(address, message)) {
            return Future.succeededFuture(Delivery.DELIVERED);
        }
        return redis.send(Request.cmd(Command.PUBLISH).arg(CHANNEL_PREFIX + address).arg(message))
                .map(r -> r.toLong() > 0 ? Delivery.DELIVERED : Delivery.NO_RECEIVER)
                .otherwise(Delivery.UNAVAILABLE);
    }

    @Override
    public void close() {
        local.close();
    }
}
