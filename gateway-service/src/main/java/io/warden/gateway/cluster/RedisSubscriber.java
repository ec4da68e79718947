package io.warden.gateway.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.warden.gateway.logging.LogSafe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * This pod's Redis link for shared state: one pub/sub connection, subscribed to a changing set of channels, plus the
 * client's ordinary pooled connections for PUBLISH and other commands. When the pub/sub connection drops, it is opened
 * again after {@code reconnectDelay}, every channel is subscribed again, and the {@link #onSubscribed} hooks run (to
 * reload what may have been missed). Everything is asynchronous: nothing here blocks an event loop.
 *
 * <p>It always subscribes to one channel of its own ({@code warden:pod:<random id>}), so the connection is in
 * subscribed mode, and visible in {@code PUBSUB CHANNELS}, even before any stream opened. That channel also carries a
 * heartbeat: every {@code heartbeatInterval} the pod publishes to it and expects the message back on the subscribed
 * connection within the command timeout. A Redis that hangs without closing its sockets (a frozen process, a network
 * partition without resets) never ends the connection by itself; a missed heartbeat treats it as lost, so streams
 * on other pods answer 503 instead of silently waiting, and the link is re-opened once Redis answers again.
 */
public final class RedisSubscriber implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisSubscriber.class);
    static final String POD_CHANNEL_PREFIX = "warden:pod:";

    private final Vertx vertx;
    private final Redis client;
    private final long reconnectDelayMs;
    private final long commandTimeoutMs;
    private final long heartbeatMs;
    /** The heartbeat waiting to come back on the subscribed connection; null between heartbeats. */
    private volatile Promise<Void> beat;
    /** Re-opens the current connection after it was lost, at most once per connection. */
    private volatile Runnable reconnect;
    private final String podChannel = POD_CHANNEL_PREFIX + UUID.randomUUID();
    private final Map<String, Handler<Buffer>> channels = new ConcurrentHashMap<>();
    private final List<Runnable> onSubscribed = new CopyOnWriteArrayList<>();
    /** The subscribed connection; null while down or connecting. */
    private volatile RedisConnection connection;
    private volatile boolean closed;

    /**
     * @param options one Redis node (standalone); its pool serves the commands, one extra connection the subscriptions
     * @param commandTimeout how long a command (PUBLISH, SUBSCRIBE, a load) may take before it counts as failed
     */
    public RedisSubscriber(Vertx vertx, RedisOptions options, Duration reconnectDelay, Duration commandTimeout) {
        this(vertx, options, reconnectDelay, commandTimeout, Duration.ofSeconds(5));
    }

    /** @param heartbeatInterval how often the subscribed connection proves it still delivers */
    public RedisSubscriber(Vertx vertx, RedisOptions options, Duration reconnectDelay, Duration commandTimeout,
                           Duration heartbeatInterval) {
        this.vertx = vertx;
        this.client = Redis.createClient(vertx, options);
        this.reconnectDelayMs = Math.max(1, reconnectDelay.toMillis());
        this.commandTimeoutMs = Math.max(1, commandTimeout.toMillis());
        this.heartbeatMs = Math.max(1, heartbeatInterval.toMillis());
        channels.put(podChannel, m -> {
            Promise<Void> b = beat;
            if (b != null) {
                b.tryComplete();
            }
        });
    }

    /** Opens the connection in the background; until it is up, {@link #connected()} is false. */
    public void start() {
        connect();
        vertx.setPeriodic(heartbeatMs, t -> {
            if (closed) {
                vertx.cancelTimer(t);
            } else {
                heartbeat();
            }
        });
    }

    /** Publishes to this pod's own channel and waits for the message on the subscribed connection. */
    private void heartbeat() {
        RedisConnection c = connection;
        Runnable again = reconnect;
        if (c == null || again == null || beat != null) {
            return;
        }
        Promise<Void> mine = Promise.promise();
        beat = mine;
        send(Request.cmd(Command.PUBLISH).arg(podChannel).arg("heartbeat")).compose(r -> timed(mine.future()))
                .onComplete(ar -> {
                    beat = null;
                    if (ar.failed() && connection == c && !closed) {
                        LOG.warnf("Shared gateway state: Redis missed a heartbeat (%s)", LogSafe.text(ar.cause().getMessage()));
                        lost(c, again);
                    }
                });
    }

    /** True while the pub/sub connection is up and subscribed. */
    public boolean connected() {
        return connection != null;
    }

    /** Runs after every successful (re)subscription, on an event loop. */
    public void onSubscribed(Runnable hook) {
        onSubscribed.add(hook);
    }

    /**
     * Takes the messages of {@code channel}. Completes once Redis confirmed; fails while the connection is down, in
     * which case the channel is subscribed when it is back.
     */
    public Future<Void> subscribe(String channel, Handler<Buffer> handler) {
        channels.put(channel, handler);
        RedisConnection c = connection;
        if (c == null) {
            return Future.failedFuture("the Redis pub/sub connection is down");
        }
        return timed(c.send(Request.cmd(Command.SUBSCRIBE).arg(channel))).mapEmpty();
    }

    public void unsubscribe(String channel) {
        RedisConnection c = connection;
        if (channels.remove(channel) != null && c != null) {
            c.send(Request.cmd(Command.UNSUBSCRIBE).arg(channel)).onFailure(t -> { });
        }
    }

    /** One command on a pooled connection, failed after the command timeout. */
    public Future<Response> send(Request request) {
        return timed(client.send(request));
    }

    /** Several commands pipelined on one pooled connection. */
    public Future<List<Response>> batch(List<Request> requests) {
        return timed(client.batch(requests));
    }

    private void connect() {
        if (closed) {
            return;
        }
        AtomicBoolean retried = new AtomicBoolean();
        Runnable retry = () -> {
            if (retried.compareAndSet(false, true) && !closed) {
                vertx.setTimer(reconnectDelayMs, t -> connect());
            }
        };
        client.connect().onComplete(ar -> {
            if (ar.failed()) {
                LOG.debugf("Redis pub/sub connection failed (%s); retrying in %d ms", LogSafe.text(ar.cause().getMessage()), reconnectDelayMs);
                retry.run();
                return;
            }
            RedisConnection c = ar.result();
            c.handler(this::dispatch);
            c.exceptionHandler(t -> lost(c, retry));
            c.endHandler(v -> lost(c, retry));
            List<String> names = List.copyOf(channels.keySet());
            // One SUBSCRIBE per channel: each gets exactly one confirmation.
            Future.all(names.stream().map(n -> timed(c.send(Request.cmd(Command.SUBSCRIBE).arg(n)))).toList())
                    .onComplete(sub -> {
                        if (sub.failed() || closed) {
                            LOG.debugf("Redis SUBSCRIBE failed (%s); retrying in %d ms",
                                    sub.cause() == null ? "closing" : LogSafe.text(sub.cause().getMessage()), reconnectDelayMs);
                            c.close();
                            retry.run();
                            return;
                        }
                        reconnect = retry;
                        connection = c;
                        for (String late : channels.keySet()) { // subscribed while this connection was being set up
                            if (!names.contains(late)) {
                                c.send(Request.cmd(Command.SUBSCRIBE).arg(late)).onFailure(t -> { });
                            }
                        }
                        LOG.infof("Shared gateway state: subscribed to Redis (%d channels)", names.size());
                        onSubscribed.forEach(Runnable::run);
                    });
        });
    }

    private void lost(RedisConnection c, Runnable retry) {
        if (connection == c) {
            connection = null;
            if (!closed) {
                LOG.warnf("Shared gateway state: lost the Redis pub/sub connection; messages to streams on other pods and"
                        + " revocations from them wait until it is back (retrying every %d ms)", reconnectDelayMs);
            }
        }
        c.close();
        retry.run();
    }

    private void dispatch(Response r) {
        if (r == null || r.size() < 3 || !"message".equals(r.get(0).toString())) {
            return; // subscribe confirmations and anything else that is not a message
        }
        Handler<Buffer> h = channels.get(r.get(1).toString());
        if (h != null) {
            h.handle(r.get(2).toBuffer());
        }
    }

    private <T> Future<T> timed(Future<T> f) {
        Promise<T> p = Promise.promise();
        long timer = vertx.setTimer(commandTimeoutMs, t -> p.tryFail("Redis did not answer within " + commandTimeoutMs + " ms"));
        f.onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                p.tryComplete(ar.result());
            } else {
                p.tryFail(ar.cause());
            }
        });
        return p.future();
    }

    @Override
    public void close() {
        closed = true;
        RedisConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        client.close();
    }
}
