package io.warden.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of the gateway in one place. Defaults are chosen for a single developer machine;
 * docs/configuration.md lists them with their environment-variable spelling.
 */
@ConfigMapping(prefix = "warden.gateway")
public interface GatewayConfig {

    /** Names this pod in decision events. */
    @WithDefault("gateway")
    String id();

    /**
     * Shifts every clock of this gateway (policy time conditions, the in-memory limiter, session expiry).
     * For tests that prove the shared limiter ignores gateway clocks; leave at 0 in production.
     */
    @WithDefault("0s")
    Duration clockOffset();

    Standalone standalone();

    Connected connected();

    Limits limits();

    /** HTTP/2 to upstream servers marked {@code http2: true}. */
    UpstreamHttp2 upstreamHttp2();

    Session session();

    Http http();

    DecisionLog decisionLog();

    RateLimit ratelimit();

    Cluster cluster();

    Approvals approvals();

    /**
     * Human approval of calls a policy's {@code approval} entries hold (docs/configuration.md, "Approvals"). Connected mode
     * keeps approvals in policy-service (at {@code connected.endpoints}); standalone mode in this process, decided through
     * the admin endpoint below.
     */
    interface Approvals {
        /**
         * Standalone mode: the bearer key of {@code GET /warden/approvals} and
         * {@code POST /warden/approvals/{id}/approve|deny}. Empty: the endpoint is off (404), and held calls can only
         * time out.
         */
        Optional<String> adminKey();

        /** Standalone mode: most approvals open (pending or approved, unused) at once; past it new calls are denied. */
        @WithDefault("1000")
        int maxOpen();

        /** How often a held call asks for its approval again, in case a decision was missed (stream reconnecting). */
        @WithDefault("5s")
        Duration recheckInterval();

        /** Connected mode: deadline of one call to policy-service's approval service. */
        @WithDefault("5s")
        Duration callDeadline();
    }

    /** How pods share live state: streams reachable from any pod, revoked sessions. See docs/pods.md. */
    interface Cluster {
        /**
         * Redis for the stream bus and the revocation list, one node ({@code redis://host:6379}). Empty: the first
         * endpoint of {@code warden.gateway.ratelimit.redis-url}; both empty: standalone, everything in this pod.
         */
        Optional<String> redisUrl();

        /** Wait between attempts to re-open the pub/sub connection after Redis went away. */
        @WithDefault("1s")
        Duration reconnectDelay();

        /** How long one Redis command of the bus (a PUBLISH, a revocation) may take before it counts as failed. */
        @WithDefault("1s")
        Duration commandTimeout();

        /**
         * How often the pub/sub connection proves it still delivers (a message to this pod's own channel, due back within
         * the command timeout); a missed one re-opens the connection. Catches a Redis that hangs without closing sockets.
         */
        @WithDefault("5s")
        Duration heartbeatInterval();
    }

    interface RateLimit {
        /**
         * Redis for the shared token buckets, e.g. {@code redis://127.0.0.1:6379}. Empty: standalone mode,
         * one in-memory limiter per pod (exact for one pod only).
         */
        Optional<String> redisUrl();

        /** True when the Redis above is a Redis Cluster. */
        @WithDefault("false")
        boolean cluster();

        /** Hard deadline of one limiter call; past it the policy's on_limiter_error decides. */
        @WithDefault("25ms")
        Duration deadline();

        /**
         * Gateway pods assumed to share the limits until the pods have counted each other through Redis (each
         * beats into a shared set every 2 s). Under on_limiter_error "local" each pod allows rate / pods.
         */
        @WithDefault("1")
        int liveGateways();

        /** Redis connections per pod: enough that a hot key never exhausts the pool. */
        @WithDefault("64")
        int poolSize();
    }

    /** Connected mode: follow policy-service's snapshot stream instead of the standalone file. */
    interface Connected {
        /**
         * policy-service endpoints, {@code host:port} (its HTTP port, which serves gRPC), comma-separated; any of them
         * may serve. Empty: standalone mode.
         */
        Optional<List<String>> endpoints();

        /** A key of policy-service's {@code warden.policy.distribution.gateway-keys}, sent as a bearer token. */
        Optional<String> gatewayKey();

        /** The last good snapshot, written atomically after each change and read at start. */
        @WithDefault("warden-snapshot.bin")
        Path snapshotFile();

        /** Crypto keys that open sealed header values: the same versions and keys as {@code warden.policy.crypto.keys}. */
        Crypto crypto();

        /** First wait before reconnecting; doubles up to {@code reconnect-max}, each wait with random jitter. */
        @WithDefault("200ms")
        Duration reconnectMin();

        /** Longest wait between reconnection attempts. */
        @WithDefault("10s")
        Duration reconnectMax();

        /**
         * An HTTP/2 ping after this long without traffic: a connection that died silently (a vanished pod, a NAT or
         * load balancer that dropped it) is noticed and replaced. Pings go on while the stream is idle between changes.
         */
        @WithDefault("30s")
        Duration keepAliveTime();

        /** How long a ping may go unanswered before the connection is closed and the gateway reconnects. */
        @WithDefault("10s")
        Duration keepAliveTimeout();

        /** TLS to policy-service. */
        Tls tls();

        interface Tls {
            /** Speak TLS to the endpoints (policy-service's HTTPS port). Off: plaintext, for a private network only. */
            @WithDefault("false")
            boolean enabled();

            /**
             * PEM file of the certificates to trust (a private CA, or a self-signed certificate); unset: the JVM's
             * default trust store.
             */
            Optional<Path> trustCertificates();
        }

        interface Crypto {
            /** Key version to the base64 of 32 bytes (AES-256). */
            java.util.Map<String, String> keys();
        }
    }

    interface Standalone {
        /** The standalone configuration file (servers, grants, policies). YAML or JSON. */
        @WithDefault("warden.yaml")
        Path file();

        /** How often the file's modification time is checked for a reload. */
        @WithDefault("2s")
        Duration pollInterval();
    }

    interface Limits {
        /** Largest accepted request body; larger bodies get 413 with a JSON-RPC error. */
        @WithDefault("1048576")
        int maxBodyBytes();

        /** Largest upstream JSON answer that is inspected (tools/list pages); SSE events share the bound. */
        @WithDefault("8388608")
        int maxUpstreamBodyBytes();

        @WithDefault("5s")
        Duration upstreamConnectTimeout();

        /** Time allowed until the upstream's response headers arrive. */
        @WithDefault("60s")
        Duration upstreamResponseTimeout();

        /** An SSE stream with no bytes for this long is closed (both sides). */
        @WithDefault("5m")
        Duration sseIdleTimeout();

        /**
         * Long-lived streams per pod (standalone GET streams, HTTP+SSE upstream channels and client channels), each on
         * a connection of its own outside the call pool; beyond it a new stream gets 503 with Retry-After before
         * anything is sent upstream.
         */
        @WithDefault("10000")
        int maxConcurrentStreams();

        /** Long-lived streams one grant may hold open on one pod; beyond it 503 with Retry-After. */
        @WithDefault("100")
        int maxStreamsPerGrant();

        /**
         * Calls in flight per pod (every relayed POST and DELETE until its answer ends, SSE-answered calls included);
         * beyond it 503 with Retry-After before anything is sent upstream.
         */
        @WithDefault("1024")
        int maxCallsInFlight();

        /** {@code initialize} and {@code DELETE} requests one grant may make per minute on one pod; beyond it 429. */
        @WithDefault("600")
        int maxSessionsPerGrantPerMinute();

        /**
         * Sessions one grant may have ended ({@code DELETE}) that have not expired yet: each is remembered until its
         * expiry, by this pod and, with Redis, by every pod. Beyond it the {@code DELETE} gets 429.
         */
        @WithDefault("1000")
        int maxRevocationsPerGrant();

        /**
         * Bytes this pod may hold for upstream answers at once: JSON answers collected to be inspected and SSE events
         * being assembled. Exhausted: new calls and streams get 503 before anything is sent upstream; an answer that
         * would go beyond it is cut with a JSON-RPC error.
         */
        @WithDefault("268435456")
        long maxBufferedBytes();

        /**
         * How long an idle upstream connection is kept for reuse: below common servers' own idle timeouts (Node's 5 s),
         * so that the gateway, not the server, closes it, and a request is never written into a closing connection.
         */
        @WithDefault("4s")
        Duration upstreamKeepAliveTimeout();

        /**
         * How long what an upstream's era probe found (modern, legacy, HTTP+SSE) is trusted before it is probed again.
         * A probe uses the connect and response timeouts above.
         */
        @WithDefault("10m")
        Duration eraProbeTtl();

        /**
         * Pooled upstream connections for calls per upstream origin and event loop: each event loop keeps its own pool,
         * so that a call never changes threads. Streams never take these; at least {@code max-calls-in-flight} means an
         * admitted call never waits behind another for a connection.
         */
        @WithDefault("1024")
        int upstreamPoolSize();
    }

    interface UpstreamHttp2 {
        /**
         * HTTP/2 connections the pod opens to one upstream origin for long-lived streams (GET streams, HTTP+SSE
         * channels), shared by every event loop. With {@code max-streams-per-connection} it bounds the streams to that
         * origin; beyond it a new stream gets 503 with Retry-After before anything is sent upstream.
         */
        @WithDefault("100")
        int maxConnections();

        /**
         * Streams multiplexed on one HTTP/2 connection, for streams and calls alike. The upstream's own
         * SETTINGS_MAX_CONCURRENT_STREAMS lowers it when smaller (commonly 100 to 250): keep this at or below it.
         */
        @WithDefault("100")
        int maxStreamsPerConnection();
    }

    interface Session {
        /**
         * Base64 AES-256 keys for session tokens. The first seals; all open (rotation overlap).
         * Empty: a random per-process key, fine for one pod, wrong for several (refused with a Redis configured, unless
         * {@code allow-ephemeral-key}). Rotation: docs/configuration.md, "Rotating the session key".
         */
        Optional<List<String>> keys();

        /**
         * Lets a gateway that shares state through Redis start without {@code keys}, with a random per-process key. Off:
         * such a gateway refuses to start, since its pods could not open each other's sessions. For tests and single pods.
         */
        @WithDefault("false")
        boolean allowEphemeralKey();

        @WithDefault("24h")
        Duration ttl();
    }

    interface Http {
        /**
         * Host header values accepted (DNS-rebinding protection), without port. Loopback names always pass.
         * Add the public host names a load balancer forwards.
         */
        @WithDefault("localhost,127.0.0.1,[::1],::1")
        List<String> allowedHosts();

        /** Origins accepted besides those whose host is an allowed host. "*" accepts every origin. */
        Optional<List<String>> allowedOrigins();
    }

    interface DecisionLog {
        /** Where decision events go: {@code file}, {@code kafka}, or both ({@code file,kafka}). */
        @WithDefault("file")
        List<Destination> destinations();

        /** JSON-lines file for decisions, when {@code file} is a destination. */
        @WithDefault("warden-decisions.jsonl")
        Path file();

        /** Events waiting for the writer; beyond this they are dropped and counted, never waited for. */
        @WithDefault("10000")
        int queueCapacity();

        /**
         * After writing a batch, the writer waits this long before taking the next one, so events arriving meanwhile
         * share one write and the request path never wakes the writer while it is busy (a thread wake-up per decision
         * was a tenth of a gateway's CPU under load). It delays each event by at most this much; 0 writes at once.
         */
        @WithDefault("5ms")
        java.time.Duration linger();

        /**
         * Base64 key (at least 32 bytes) for the keyed argument digests in decision events; the same on every pod, so
         * their digests compare. Empty: a random per-process key (digests then compare within one process only).
         */
        Optional<String> digestKey();

        /**
         * How often this instance reports its last sequence number and its drops (a {@code heartbeat} record beside the
         * events), so the audit service can tell a complete record from one with losses.
         */
        @WithDefault("10s")
        Duration heartbeatInterval();

        /**
         * What an audit outage (no room in the queue, or Kafka away with its spool full) does to calls:
         * {@code never-block} (default) lets them through and counts the lost events; {@code block} makes a call that
         * would reach an upstream wait up to {@link #blockTimeout()} for room, then refuses it (JSON-RPC error, 503).
         */
        @WithDefault("never-block")
        OnOutage onOutage();

        /** With {@code on-outage=block}: the longest a call waits for room in the audit queue or spool. */
        @WithDefault("2s")
        Duration blockTimeout();

        Kafka kafka();

        enum Destination { FILE, KAFKA }

        enum OnOutage { NEVER_BLOCK, BLOCK }

        interface Kafka {
            /** Bootstrap servers ({@code host:port}, comma-separated); required when {@code kafka} is a destination. */
            Optional<String> bootstrapServers();

            /** The topic; audit-service consumes it. Events are keyed by grant id. */
            @WithDefault("warden.decisions")
            String topic();

            /** Where events wait while Kafka is unreachable (survives restarts; give each pod its own volume). */
            @WithDefault("warden-spool")
            Path spoolDir();

            /** Most bytes of events the spool holds; past it events are dropped, counted as {@code spool_full}. */
            @WithDefault("1073741824")
            long spoolMaxBytes();

            /** How long a batch may wait for the broker's acknowledgement before it is spooled. */
            @WithDefault("10s")
            Duration ackTimeout();

            /** How often the spool is offered to the broker again while it is unreachable. */
            @WithDefault("5s")
            Duration retryInterval();
        }
    }
}
