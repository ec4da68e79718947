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
 * <p>Each loop's pool may open the configured number of connections per upstream origin. Splitting that number among the
 * loops instead would let one busy loop run out of connections (long SSE streams hold theirs for minutes) while another
 * loop's sit idle, so a request could wait where a single pool would have served it. The price is more connections in
 * total (up to one pool per event loop). Calls from a thread that is not an event loop (none on today's paths) share
 * one extra client.
 */
public final class UpstreamClients {

    private final Vertx vertx;
    private final HttpClientOptions options;
    private final int perLoopPoolSize;
    private final ThreadLocal<HttpClient> perLoop = new ThreadLocal<>();
    private final List<HttpClient> created = new ArrayList<>();
    private volatile HttpClient shared;

    /** @param poolSize connections per upstream origin that each event loop's client may open */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.options = new HttpClientOptions(options);
        this.perLoopPoolSize = Math.max(1, poolSize);
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
