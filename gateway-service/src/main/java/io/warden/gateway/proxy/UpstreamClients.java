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
 *
 * <p>Long-lived streams (standalone GET streams) get clients of their own: a stream holds its HTTP/1.1 connection for as
 * long as it lives, so sharing the call pool would let streams take every connection calls need. The stream clients may
 * open as many connections as the pod's stream budget allows ({@link Budgets} bounds the total before a request is
 * sent), so a stream never waits for another to end, and a call never waits for a stream.
 */
public final class UpstreamClients {

    private final PerLoop calls;
    private final PerLoop streams;

    /** @param poolSize connections per upstream origin that each event loop's client may open */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize) {
        this(vertx, options, poolSize, poolSize);
    }

    /**
     * @param poolSize       connections for calls per upstream origin that each event loop's client may open
     * @param streamPoolSize connections for streams per upstream origin that each event loop's stream client may open
     */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize, int streamPoolSize) {
        Objects.requireNonNull(vertx, "vertx");
        this.calls = new PerLoop(vertx, new HttpClientOptions(options), Math.max(1, poolSize));
        this.streams = new PerLoop(vertx, new HttpClientOptions(options), Math.max(1, streamPoolSize));
    }

    /** The call client of the calling event loop. */
    public HttpClient current() {
        return calls.current();
    }

    /** The stream client of the calling event loop: its connections are never lent to calls. */
    public HttpClient streams() {
        return streams.current();
    }

    /** Connections per upstream origin that one event loop may open for calls. */
    int perLoopPoolSize() {
        return calls.poolSize;
    }

    /** How many call clients exist so far (one per event loop that forwarded a request, plus the shared one if used). */
    int clients() {
        return calls.clients();
    }

    /** One client per event loop with its own pool. */
    private static final class PerLoop {
        private final Vertx vertx;
        private final HttpClientOptions options;
        private final int poolSize;
        private final ThreadLocal<HttpClient> perLoop = new ThreadLocal<>();
        private final List<HttpClient> created = new ArrayList<>();
        private volatile HttpClient shared;

        PerLoop(Vertx vertx, HttpClientOptions options, int poolSize) {
            this.vertx = vertx;
            this.options = options;
            this.poolSize = poolSize;
        }

        HttpClient current() {
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
            HttpClient c = vertx.createHttpClient(new HttpClientOptions(options), new PoolOptions().setHttp1MaxSize(poolSize));
            created.add(c);
            return c;
        }

        synchronized int clients() {
            return created.size();
        }
    }
}
