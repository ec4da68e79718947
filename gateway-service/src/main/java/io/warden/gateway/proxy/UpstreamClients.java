package io.warden.gateway.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;
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
 *
 * <p>Servers marked {@code http2} get HTTP/2 clients instead (h2c with prior knowledge over {@code http}, ALPN over
 * {@code https}), again calls and streams apart so that streams never take the stream slots calls need. Streams share
 * one client for the whole pod: at most {@code maxConnections} connections per origin, each carrying up to
 * {@code streamsPerConnection} streams, so ten thousand streams need a hundred upstream connections rather than ten
 * thousand, and {@link Budgets} counts the slots exactly (one pool, one count) before a stream is sent. A stream's
 * events then cross to its own event loop, which costs little for a stream that mostly idles. Calls keep one client per
 * event loop, as over HTTP/1.1, opening a further connection whenever the existing ones carry
 * {@code streamsPerConnection} calls.
 */
public final class UpstreamClients {

    /** Defaults of {@code warden.gateway.upstream-http2}. */
    public static final int DEFAULT_HTTP2_CONNECTIONS = 100;
    public static final int DEFAULT_HTTP2_STREAMS_PER_CONNECTION = 100;

    /** HTTP/2's initial stream window (RFC 9113 §6.9.2), which the gateway does not change. */
    private static final int STREAM_WINDOW = 65_535;

    private final PerLoop calls;
    private final PerLoop streams;
    private final PerLoop h2Calls;
    private final HttpClient h2Streams;
    private final int h2Connections;
    private final int h2PerConnection;

    /** @param poolSize connections per upstream origin that each event loop's client may open */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize) {
        this(vertx, options, poolSize, poolSize);
    }

    /**
     * @param poolSize       connections for calls per upstream origin that each event loop's client may open
     * @param streamPoolSize connections for streams per upstream origin that each event loop's stream client may open
     */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize, int streamPoolSize) {
        this(vertx, options, poolSize, streamPoolSize, DEFAULT_HTTP2_CONNECTIONS, DEFAULT_HTTP2_STREAMS_PER_CONNECTION);
    }

    /**
     * @param h2Connections   HTTP/2 connections per upstream origin for streams, pod-wide
     * @param h2PerConnection streams (or calls) multiplexed on one HTTP/2 connection
     */
    public UpstreamClients(Vertx vertx, HttpClientOptions options, int poolSize, int streamPoolSize, int h2Connections,
                           int h2PerConnection) {
        Objects.requireNonNull(vertx, "vertx");
        int pool = Math.max(1, poolSize);
        int streamPool = Math.max(1, streamPoolSize);
        this.h2Connections = Math.max(1, h2Connections);
        this.h2PerConnection = Math.max(1, h2PerConnection);
        this.calls = new PerLoop(vertx, new HttpClientOptions(options), new PoolOptions().setHttp1MaxSize(pool));
        this.streams = new PerLoop(vertx, new HttpClientOptions(options), new PoolOptions().setHttp1MaxSize(streamPool));
        HttpClientOptions h2 = http2(options, this.h2PerConnection);
        this.h2Calls = new PerLoop(vertx, h2, new PoolOptions().setHttp2MaxSize(pool).setHttp1MaxSize(pool));
        // HTTP/1.1 room only for an https upstream that answers ALPN with http/1.1: one connection per stream then.
        this.h2Streams = vertx.createHttpClient(new HttpClientOptions(h2),
                new PoolOptions().setHttp2MaxSize(this.h2Connections).setHttp1MaxSize(streamPool));
    }

    private static HttpClientOptions http2(HttpClientOptions base, int perConnection) {
        HttpClientOptions o = new HttpClientOptions(base)
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false) // prior knowledge: the upstream is known to speak h2c
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setHttp2MultiplexingLimit(perConnection)
                // Room for every stream's whole window: a stream paused behind a slow client then holds back only its
                // own window, never the connection's, so it cannot stall the other streams it shares the connection with.
                .setHttp2ConnectionWindowSize((int) Math.min(Integer.MAX_VALUE, (long) perConnection * STREAM_WINDOW));
        // Idle HTTP/2 connections close as idle HTTP/1.1 ones do.
        o.setHttp2KeepAliveTimeout(base.getKeepAliveTimeout());
        return o;
    }

    /** The call client of the calling event loop (HTTP/1.1). */
    public HttpClient current() {
        return calls.current();
    }

    /** The HTTP/1.1 stream client of the calling event loop: its connections are never lent to calls. */
    public HttpClient streams() {
        return streams.current();
    }

    /** The client for calls to {@code server}: the calling event loop's, HTTP/2 when the server is marked so. */
    public HttpClient calls(UpstreamServer server) {
        return server.http2() ? h2Calls.current() : calls.current();
    }

    /** The client for long-lived streams to {@code server}: never one whose connections carry calls. */
    public HttpClient streams(UpstreamServer server) {
        return server.http2() ? h2Streams : streams.current();
    }

    /** What a stream to {@code server} takes besides the stream budgets (see {@link Budgets.Lane}). */
    Budgets.Lane lane(UpstreamServer server) {
        if (!server.http2()) {
            return Budgets.Lane.OWN_CONNECTION;
        }
        URI u = server.url();
        boolean tls = "https".equals(u.getScheme());
        String origin = u.getScheme() + "://" + u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : tls ? 443 : 80);
        return Budgets.Lane.multiplexed(origin, h2Connections, h2PerConnection, tls);
    }

    /** Connections per upstream origin that one event loop may open for calls. */
    int perLoopPoolSize() {
        return calls.pool.getHttp1MaxSize();
    }

    /** How many call clients exist so far (one per event loop that forwarded a request, plus the shared one if used). */
    int clients() {
        return calls.clients();
    }

    /** One client per event loop with its own pool. */
    private static final class PerLoop {
        private final Vertx vertx;
        private final HttpClientOptions options;
        private final PoolOptions pool;
        private final ThreadLocal<HttpClient> perLoop = new ThreadLocal<>();
        private final List<HttpClient> created = new ArrayList<>();
        private volatile HttpClient shared;

        PerLoop(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
            this.vertx = vertx;
            this.options = options;
            this.pool = pool;
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
            HttpClient c = vertx.createHttpClient(new HttpClientOptions(options), new PoolOptions(pool));
            created.add(c);
            return c;
        }

        synchronized int clients() {
            return created.size();
        }
    }
}
