package io.warden.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.Router;
import io.warden.gateway.approval.ApprovalAdmin;
import io.warden.gateway.approval.ApprovalFlow;
import io.warden.gateway.approval.ApprovalMetrics;
import io.warden.gateway.approval.Approvals;
import io.warden.gateway.approval.GrpcApprovals;
import io.warden.gateway.approval.LocalApprovals;
import io.warden.gateway.approval.StateSeal;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.audit.AuditMetrics;
import io.warden.gateway.audit.DropCause;
import io.warden.gateway.audit.EventSequence;
import io.warden.gateway.audit.AsyncDecisionSink;
import io.warden.gateway.audit.KafkaAppender;
import io.warden.gateway.cluster.RedisMessageBus;
import io.warden.gateway.cluster.RedisRevocations;
import io.warden.gateway.cluster.RedisSessionCounts;
import io.warden.gateway.cluster.RedisSubscriber;
import io.warden.gateway.cluster.RevocationSet;
import io.warden.gateway.cluster.SharedState;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.logging.LogSafe;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.api.crypto.Keyring;
import io.warden.gateway.policy.ConnectedSnapshots;
import io.warden.gateway.policy.GrpcSnapshotSource;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.policy.SnapshotFile;
import io.warden.gateway.policy.SnapshotHolder;
import io.warden.gateway.policy.SnapshotSource;
import io.warden.gateway.policy.StandaloneFileSource;
import io.warden.gateway.policy.ToolCatalog;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.warden.gateway.proxy.DecisionRecorder;
import io.warden.gateway.ratelimit.GatewayPresence;
import io.warden.gateway.ratelimit.InMemoryRateLimiter;
import io.warden.gateway.ratelimit.RateLimitMetrics;
import io.warden.gateway.ratelimit.RateLimiter;
import io.warden.gateway.ratelimit.RedisLimiterConfig;
import io.warden.gateway.ratelimit.RedisRateLimiter;
import io.warden.gateway.proxy.HttpGuard;
import io.warden.gateway.proxy.McpProxy;
import io.warden.gateway.proxy.UpstreamClients;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.session.SessionKeyPolicy;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.StandaloneConfigParser;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The composition root: builds the gateway's parts from configuration, once, and mounts the proxy.
 * Reading it top to bottom shows everything a request meets.
 */
@ApplicationScoped
public class GatewayBeans {

    private static final Logger LOG = Logger.getLogger(GatewayBeans.class);
    /** Gauge: gateway pods sharing the Redis limits, as this pod last saw them. */
    static final String LIVE_GATEWAYS = "warden.gateways.live";
    /** Gauge: 1 while this pod's pub/sub connection for shared state (streams, revocations) is up, else 0. */
    static final String SHARED_STATE_CONNECTED = "warden.shared.state.connected";

    /** Gauge: the policy-service revision this gateway runs (connected mode). */
    /** Gauge: calls this pod holds open while they wait for an approval. */
    static final String HELD_CALLS = "warden.approvals.held";

    static final String SNAPSHOT_REVISION = "warden.snapshot.revision";
    /** Gauge: 0 while the snapshot stream is open and current, else seconds since it was (connected mode). */
    static final String SNAPSHOT_AGE = "warden.snapshot.age.seconds";

    private final SnapshotHolder snapshots = new SnapshotHolder();
    private final ToolCatalog catalog = new ToolCatalog();
    private volatile SnapshotSource source;
    private DecisionRecorder recorder;
    private SharedState shared;
    private Approvals approvals;
    private RedisSubscriber subscriber;

    void start(@Observes StartupEvent ev, Vertx vertx, GatewayConfig config, MeterRegistry registry) {
        // Context propagation (from quarkus-mutiny) wraps every Mutiny callback to carry CDI request and transaction
        // contexts across threads; the gateway has neither (plain Vert.x routes, no request-scoped beans), and the
        // wrapping cost a twelfth of the event loops' CPU per proxied call.
        io.smallrye.mutiny.infrastructure.Infrastructure.clearInterceptors();
        GatewayConfig.Connected connected = config.connected();
        List<String> endpoints = connected.endpoints().orElse(List.of()).stream().filter(e -> !e.isBlank()).toList();
        if (endpoints.isEmpty()) {
            source = new StandaloneFileSource(vertx, config.standalone().file(),
                    config.standalone().pollInterval().toMillis(), StandaloneConfigParser.withSystemEnv());
        } else {
            source = connectedSource(config, endpoints, registry);
        }
        source.start(this::swap);
    }

    /** Connected mode: policy-service's stream, with the keys that open its sealed header values. */
    private static GrpcSnapshotSource connectedSource(GatewayConfig config, List<String> endpoints,
                                                      MeterRegistry registry) {
        GatewayConfig.Connected c = config.connected();
        String key = c.gatewayKey().filter(k -> !k.isBlank()).orElseThrow(() -> new IllegalStateException(
                "warden.gateway.connected.endpoints is set: set warden.gateway.connected.gateway-key to one of"
                        + " policy-service's warden.policy.distribution.gateway-keys"));
        Keyring keyring;
        try {
            keyring = Keyring.decryptOnly(c.crypto().keys(), "warden.gateway.connected.crypto.keys");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
        GrpcSnapshotSource grpc = new GrpcSnapshotSource(new GrpcSnapshotSource.Settings(endpoints, key, config.id(),
                c.reconnectMin(), c.reconnectMax(), new GrpcSnapshotSource.Transport(c.keepAliveTime(),
                        c.keepAliveTimeout(), c.tls().enabled(), c.tls().trustCertificates())),
                new ConnectedSnapshots(keyring),
                new SnapshotFile(c.snapshotFile()), Clock.systemUTC());
        Gauge.builder(SNAPSHOT_REVISION, grpc, g -> g.revision().map(Long::doubleValue).orElse(Double.NaN))
                .register(registry);
        Gauge.builder(SNAPSHOT_AGE, grpc, GrpcSnapshotSource::ageSeconds).register(registry);
        LOG.infof("Connected mode: following policy-service at %s (keys %s)", endpoints, c.crypto().keys().keySet());
        return grpc;
    }

    /** Swaps the new snapshot in, then drops what was learned about servers whose URL or headers changed. */
    private void swap(GatewaySnapshot next) {
        GatewaySnapshot before = snapshots.current();
        boolean first = !snapshots.installed();
        snapshots.swap(next);
        if (first) {
            // the not-ready to ready edge, which operators otherwise only see in the probe's answers
            LOG.infof("First policy snapshot installed (version %s: %d servers, %d grants, %d policies): serving calls",
                    next.version(), next.servers().size(), next.grantsByTokenHash().size(), next.policies().size());
        }
        before.servers().forEach((id, old) -> {
            if (!old.equals(next.servers().get(id))) {
                catalog.forget(id);
            }
        });
    }

    /** Not ready before a first snapshot (connected mode: from the stream or the disk file). */
    boolean snapshotReady() {
        return !(source instanceof GrpcSnapshotSource g) || g.ready();
    }

    void stop(@Observes ShutdownEvent ev) {
        if (source != null) {
            source.close();
        }
        if (recorder != null) {
            recorder.close();
        }
        if (shared != null) {
            shared.close();
        }
        if (approvals != null) {
            approvals.close();
        }
        if (subscriber != null) {
            subscriber.close();
        }
    }

    void routes(@Observes Router router, Vertx vertx, GatewayConfig config, MeterRegistry registry) {
        Clock clock = Clock.offset(Clock.systemUTC(), config.clockOffset());
        GatewayConfig.Limits limits = config.limits();
        UpstreamClients upstream = new UpstreamClients(vertx,
                new HttpClientOptions()
                        .setConnectTimeout((int) limits.upstreamConnectTimeout().toMillis())
                        .setKeepAlive(true)
                        .setTryUseCompression(false)
                        .setMaxInitialLineLength(8192)
                        // Idle connections are closed by the gateway before a typical server would (Node: 5 s).
                        .setKeepAliveTimeout((int) Math.max(1, limits.upstreamKeepAliveTimeout().toSeconds())),
                limits.upstreamPoolSize(), limits.maxConcurrentStreams(), config.upstreamHttp2().maxConnections(),
                config.upstreamHttp2().maxStreamsPerConnection());
        SessionKeyPolicy.Choice keys = SessionKeyPolicy.choose(config.session().keys(), sharesState(config),
                config.session().allowEphemeralKey(), config.session().ttl(), clock);
        if (keys.warning() != null) {
            LOG.warn(keys.warning());
        }
        SessionCodec sessions = keys.codec();
        EventSequence sequence = EventSequence.forGateway(config.id());
        AsyncDecisionSink log = decisionSink(config, registry)
                .heartbeats(config.id(), sequence, config.decisionLog().heartbeatInterval(), clock);
        LOG.infof("Decision events are numbered under instance %s", sequence.instance());
        ArgumentDigest digest = argumentDigest(config.decisionLog());
        recorder = new DecisionRecorder(log, config.id(), sequence, clock, log, digest);
        if (config.decisionLog().onOutage() == GatewayConfig.DecisionLog.OnOutage.BLOCK) {
            recorder.blockOnOutage(config.decisionLog().blockTimeout());
            LOG.infof("decision-log.on-outage=block: calls wait up to %d ms for room in the audit queue, then are refused",
                    config.decisionLog().blockTimeout().toMillis());
        }
        shared = sharedState(vertx, config, clock, sessions.ttl());
        if (subscriber != null) {
            Gauge.builder(SHARED_STATE_CONNECTED, subscriber, s -> s.connected() ? 1 : 0).register(registry);
        }
        McpProxy proxy = new McpProxy(vertx, upstream, limits, snapshots, sessions,
                new PolicyGate(catalog, clock),
                new HttpGuard(config.http().allowedHosts(), config.http().allowedOrigins().orElse(List.of())),
                recorder, new ProxyMetrics(registry), limiter(vertx, config.ratelimit(), clock, registry), shared,
                // The gateway's own calls (era probes, bridged sessions) never use a pooled connection: a probe may cut
                // one, which must never be handed to a relayed request.
                // Its pool is sized for the streams of HTTP+SSE upstream channels it carries (bounded by the stream budget).
                vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTryUseCompression(false)
                        .setConnectTimeout((int) limits.upstreamConnectTimeout().toMillis()),
                        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(limits.maxConcurrentStreams() + limits.maxCallsInFlight())));
        proxy.useApprovals(approvalFlow(vertx, router, config, clock, digest, registry));
        proxy.register(router);
    }

    /**
     * Approvals: policy-service's in connected mode, this process's (with its admin endpoint) in standalone mode. The
     * sealed MRTR state uses keys derived from the session keys, so every pod that opens a session opens it too.
     */
    private ApprovalFlow approvalFlow(Vertx vertx, Router router, GatewayConfig config, Clock clock, ArgumentDigest digest,
                                      MeterRegistry registry) {
        GatewayConfig.Approvals cfg = config.approvals();
        List<String> endpoints = config.connected().endpoints().orElse(List.of()).stream().filter(e -> !e.isBlank()).toList();
        java.util.function.UnaryOperator<String> howTo;
        if (!endpoints.isEmpty()) {
            approvals = new GrpcApprovals(endpoints, config.connected().gatewayKey().orElse(""), config.id(),
                    cfg.callDeadline(), config.connected().reconnectMin(), config.connected().reconnectMax()).start();
            howTo = id -> "An operator approves it in policy-service's console or with POST /api/approvals/" + id
                    + "/approve on policy-service.";
        } else {
            LocalApprovals local = new LocalApprovals(clock, cfg.maxOpen());
            approvals = local;
            if (sharesState(config)) {
                LOG.warn("Approvals live in this pod's memory (standalone mode), yet pods share a Redis: a call approved"
                        + " on one pod is unknown to the others, so a retry landing elsewhere asks again. With more than"
                        + " one pod, run connected mode (warden.gateway.connected.endpoints), where policy-service keeps them.");
            }
            Optional<String> key = cfg.adminKey().filter(k -> !k.isBlank());
            if (key.isPresent()) {
                new ApprovalAdmin(local, key.get()).register(router);
                howTo = id -> "An operator approves it on the gateway: POST /warden/approvals/" + id + "/approve.";
            } else {
                howTo = id -> "No approver is configured on this gateway (warden.gateway.approvals.admin-key), so it"
                        + " will expire unless the user may approve it.";
            }
        }
        List<String> keys = config.session().keys().orElse(List.of()).stream().filter(k -> k != null && !k.isBlank()).toList();
        StateSeal seal = keys.isEmpty() ? StateSeal.ephemeral(clock) : StateSeal.fromSessionKeys(keys, clock);
        ApprovalFlow flow = new ApprovalFlow(vertx, approvals, seal, digest, shared.streams(), config.id(), howTo, clock,
                cfg.recheckInterval(), new ApprovalMetrics(registry));
        Gauge.builder(HELD_CALLS, flow, ApprovalFlow::heldCalls).register(registry);
        return flow;
    }

    /** A Redis for shared state or shared limits means several pods. */
    private static boolean sharesState(GatewayConfig config) {
        return config.cluster().redisUrl().filter(u -> !u.isBlank()).isPresent()
                || config.ratelimit().redisUrl().filter(u -> !u.isBlank()).isPresent();
    }

    /** Redis when configured (exact across pods), else one in-memory limiter for this pod. */
    private static RateLimiter limiter(Vertx vertx, GatewayConfig.RateLimit cfg, Clock clock, MeterRegistry registry) {
        RateLimitMetrics metrics = new RateLimitMetrics(registry);
        if (cfg.redisUrl().isEmpty()) {
            return new InMemoryRateLimiter(clock, InMemoryRateLimiter.DEFAULT_MAX_BUCKETS, metrics);
        }
        RedisLimiterConfig rc = RedisLimiterConfig.defaults().withDeadline(cfg.deadline()).withCluster(cfg.cluster());
        RedisOptions options = rc.redisOptions(List.of(cfg.redisUrl().get().split(","))).setMaxPoolSize(cfg.poolSize());
        Redis redis = Redis.createClient(io.vertx.mutiny.core.Vertx.newInstance(vertx), options);
        GatewayPresence presence = new GatewayPresence(vertx, redis, Duration.ofSeconds(2), Duration.ofSeconds(10),
                cfg.liveGateways());
        registry.gauge(LIVE_GATEWAYS, presence, GatewayPresence::getAsInt);
        io.vertx.mutiny.core.Vertx mutinyVertx = io.vertx.mutiny.core.Vertx.newInstance(vertx);
        RedisRateLimiter limiter = new RedisRateLimiter(redis, () -> Redis.createClient(mutinyVertx,
                new RedisOptions(options)), rc, presence, clock, metrics);
        limiter.loadScripts().subscribe().with(v -> { }, t -> { });
        LOG.infof("Rate limits are shared through Redis (%s, deadline %d ms)", cfg.cluster() ? "cluster" : "standalone",
                cfg.deadline().toMillis());
        return limiter;
    }

    /**
     * Streams reachable from every pod and a shared revocation list, through Redis when one is configured; otherwise
     * both stay in this pod.
     */
    private SharedState sharedState(Vertx vertx, GatewayConfig config, Clock clock, Duration sessionTtl) {
        GatewayConfig.Cluster cfg = config.cluster();
        Optional<String> url = cfg.redisUrl().or(() -> config.ratelimit().redisUrl().map(u -> u.split(",")[0].trim()));
        if (url.isEmpty()) {
            return SharedState.local(clock);
        }
        // One node, even in front of a Redis Cluster: PUBLISH counts only the subscribers of the node it runs on,
        // so every pod must publish and subscribe on the same node for "delivered" to mean anything.
        subscriber = new RedisSubscriber(vertx, new RedisOptions().setConnectionString(url.get()).setMaxPoolSize(8)
                .setMaxPoolWaiting(1024).setMetricsName("warden-shared-state"), cfg.reconnectDelay(), cfg.commandTimeout(),
                cfg.heartbeatInterval());
        SharedState state = new SharedState(new RedisMessageBus(subscriber),
                new RedisRevocations(subscriber, new RevocationSet(clock), sessionTtl),
                new RedisSessionCounts(subscriber, java.util.concurrent.TimeUnit.MINUTES.toMillis(1)));
        subscriber.start();
        LOG.infof("Streams and session revocations are shared through Redis at %s", LogSafe.url(url.get()));
        return state;
    }

    /** One asynchronous sink for every destination configured: the JSON-lines file, Kafka, or both. */
    private static AsyncDecisionSink decisionSink(GatewayConfig config, MeterRegistry registry) {
        GatewayConfig.DecisionLog cfg = config.decisionLog();
        List<GatewayConfig.DecisionLog.Destination> to = cfg.destinations();
        AsyncDecisionSink.Appender appender = null;
        if (to.contains(GatewayConfig.DecisionLog.Destination.FILE)) {
            appender = AsyncDecisionSink.FileAppender.open(cfg.file());
        }
        if (to.contains(GatewayConfig.DecisionLog.Destination.KAFKA)) {
            GatewayConfig.DecisionLog.Kafka k = cfg.kafka();
            String servers = k.bootstrapServers().orElseThrow(() -> new IllegalStateException(
                    "warden.gateway.decision-log.destinations includes kafka: set warden.gateway.decision-log.kafka.bootstrap-servers"));
            KafkaAppender kafka;
            try {
                kafka = KafkaAppender.open(servers, k.topic(), "warden-gateway-" + config.id(), k.spoolDir(), k.spoolMaxBytes(),
                        k.ackTimeout(), k.retryInterval());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot open the decision spool in " + k.spoolDir() + ": " + e, e);
            }
            Gauge.builder(AuditMetrics.SPOOLED_BYTES, kafka, KafkaAppender::spooledBytes).register(registry);
            appender = appender == null ? kafka : AsyncDecisionSink.both(appender, kafka);
            LOG.infof("Decision events go to Kafka topic %s (spool %s)", k.topic(), k.spoolDir());
        }
        if (appender == null) {
            throw new IllegalStateException("warden.gateway.decision-log.destinations is empty: name file, kafka or both");
        }
        AsyncDecisionSink log = new AsyncDecisionSink(appender, cfg.queueCapacity(), JsonRpc.MAPPER, to.toString())
                .linger(cfg.linger());
        FunctionCounter.builder(AuditMetrics.WRITTEN, log, AsyncDecisionSink::written).register(registry);
        FunctionCounter.builder(AuditMetrics.DEGRADED, log, AsyncDecisionSink::degraded).register(registry);
        for (DropCause cause : DropCause.values()) {
            FunctionCounter.builder(AuditMetrics.DROPPED, log, l -> l.dropped(cause))
                    .tag(AuditMetrics.CAUSE, cause.tag()).register(registry);
        }
        Gauge.builder(AuditMetrics.QUEUED, log, AsyncDecisionSink::queued).register(registry);
        return log;
    }

    /** The keyed argument digest; a configured key that is not valid stops the start, naming the problem (never the key). */
    private static ArgumentDigest argumentDigest(GatewayConfig.DecisionLog config) {
        if (config.digestKey().filter(k -> !k.isBlank()).isEmpty()) {
            ArgumentDigest digest = ArgumentDigest.ephemeral();
            LOG.warnf("No warden.gateway.decision-log.digest-key configured: argument digests use a random per-process key"
                    + " (id %s), so they compare only within this process, not across pods or restarts", digest.keyId());
            return digest;
        }
        try {
            ArgumentDigest digest = ArgumentDigest.withBase64Key(config.digestKey().get());
            LOG.infof("Argument digests use the configured key, id %s", digest.keyId());
            return digest;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("warden.gateway.decision-log.digest-key: " + e.getMessage());
        }
    }
}
