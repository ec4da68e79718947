package io.warden.gateway.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The upstream HTTP client, one per event loop.
 *
 * <p>A single Vert.x client keeps one connection pool for all event loops and hands a request whichever idle connection
 * it used last, usually one that lives on another event loop. Every call then crosses threads three times (the request
 * is queued to the connection's loop, the answer back to the request's loop, and the stream is created there too), each
 * a task queue and a thread wake-up. With one client per event loop a request only ever meets connections created on its
 * own loop (a client opens new connections on the caller's loop), so the whole round trip stays on one thread.
 *
 * <p>The configured pool size is the total per upstream origin; each loop gets its share (rounded up). Calls from a thread
 * that is not an event loop (none on today's paths) share one extra client.
 */
public final class UpstreamClients {

    private final Vertx vertx;
    private final HttpClientOptions options;
    private final int perLoopPoolSize;
    private final ThreadLocal<HttpClient> perLoop = new ThreadLocal<>();
    private final List<HttpClient> created = new ArrayList<>();
    private volatile HttpClient shared;

    /**
     * @param totalPoolSize connections per upstream origin for the whole gateway
     * @param eventLoops    how many event loops serve requests (the pool is split among them)
     */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int totalPoolSize, int eventLoops) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.options = new HttpClientOptions(options);
        this.perLoopPoolSize = Math.max(1, (totalPoolSize + Math.max(1, eventLoops) - 1) / Math.max(1, eventLoops));
    }

    /** The client of the calling event loop. */
    public HttpClient current() {
        HttpClient c = perLoop.get();
        if (c != null) {
            return c;
        }
        if (!Context.isOnEventLoopThread()) {
            return shared();
        }
        c = create();
        perLoop.set(c);
        return c;
    }

    /** Connections per upstream origin that one event loop may open. */
    int perLoopPoolSize() {
        return perLoopPoolSize;
    }

    private HttpClient shared() {
        HttpClient c = shared;
        if (c == null) {
            synchronized (this) {
                if (shared == null) {
                    shared = create();
                }
                c = shared;
            }
        }
        return c;
    }

    private synchronized HttpClient create() {
        HttpClient c = vertx.createHttpClient(new HttpClientOptions(options), new PoolOptions().setHttp1MaxSize(perLoopPoolSize));
        created.add(c);
        return c;
    }

    /** How many clients exist so far (one per event loop that forwarded a request, plus the shared one if used). */
    synchronized int clients() {
        return created.size();
    }
}
