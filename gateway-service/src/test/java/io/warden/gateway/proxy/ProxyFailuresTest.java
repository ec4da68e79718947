package io.warden.gateway.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.warden.api.DecisionEvent;
import io.warden.api.GrantTokens;
import io.warden.gateway.cluster.SharedState;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.config.TestConfigs;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.policy.SnapshotHolder;
import io.warden.gateway.policy.ToolCatalog;
import io.warden.gateway.ratelimit.LimitOutcome;
import io.warden.gateway.ratelimit.RateLimiter;
import io.warden.gateway.ratelimit.Reservation;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.session.SessionKeys;
import io.warden.policy.LimitCharge;
import io.warden.snapshot.StandaloneConfigParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's own failures, which no real part produces on demand: a rate limiter whose answer is an exception (its
 * contract rules that out, so only a bug gets there) and a decision sink that throws after the upstream answered. The
 * proxy runs on a real Vert.x server in front of a real upstream over loopback; only the limiter and the sink are the
 * test's own. Without the fix each of these left the client waiting (the client here gives up after 10 s).
 */
class ProxyFailuresTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLOSED = "wdn_closed";
    private static final String OPEN = "wdn_open";
    private static final String PLAIN = "wdn_plain";
    /** The pod's buffer budget here: every answer of these tests fits, a 48 KiB echo does not. */
    private static final int BUFFER_BUDGET = 32 * 1024;

    @TempDir
    Path dir;

    Vertx vertx;
    StatelessUpstream upstream;
    HttpServer server;
    SimpleMeterRegistry registry;
    final List<DecisionEvent> events = new CopyOnWriteArrayList<>();
    /** Whether the audit sink has room (on-outage=block waits for it). */
    volatile boolean room = true;
    final java.util.concurrent.atomic.AtomicInteger roomAsked = new java.util.concurrent.atomic.AtomicInteger();
    DecisionRecorder recorder;
    volatile boolean sinkThrows;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A limiter broken in both ways the proxy must survive: a failed Uni, and a throw before any Uni exists. */
    static final class BrokenLimiter implements RateLimiter {
        volatile boolean throwAtOnce;

        @Override
        public Uni<LimitOutcome> acquire(String partition, List<LimitCharge> charges) {
            if (throwAtOnce) {
                throw new IllegalStateException("limiter bug, thrown");
            }
            return Uni.createFrom().failure(new IllegalStateException("limiter bug, failed"));
        }

        @Override
        public Uni<Void> refund(Reservation reservation) {
            return Uni.createFrom().voidItem();
        }
    }

    final BrokenLimiter limiter = new BrokenLimiter();
    McpProxy proxy;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = new StatelessUpstream();
        Path config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: s1, era: legacy, url: "%s"}
                grants:
                  - {id: closed, server: s1, token_hash: "%s", policy: limited-closed}
                  - {id: open, server: s1, token_hash: "%s", policy: limited-open}
                  - {id: plain, server: s1, token_hash: "%s", policy: allow-all}
                policies:
                  limited-closed:
                    version: "1"
                    default: allow
                    all_tools: {limits: [{counter: calls, window: hour, max: 5, scope: grant}]}
                  limited-open:
                    version: "1"
                    default: allow
                    on_limiter_error: open
                    all_tools: {limits: [{counter: calls, window: hour, max: 5, scope: grant}]}
                  allow-all: {version: "1", default: allow}
                """.formatted(upstream.url(), GrantTokens.hash(CLOSED), GrantTokens.hash(OPEN), GrantTokens.hash(PLAIN)));
        SnapshotHolder snapshots = new SnapshotHolder();
        snapshots.swap(assertInstanceOf(StandaloneConfigParser.Parsed.class,
                new StandaloneConfigParser(Map.<String, String>of()::get).parse(config)).snapshot());
        registry = new SimpleMeterRegistry();
        Clock clock = Clock.systemUTC();
        GatewayConfig.Limits limits = TestConfigs.limits().upstreamResponseTimeout(Duration.ofSeconds(5))
                .sseIdleTimeout(Duration.ofSeconds(30)).maxBufferedBytes(BUFFER_BUDGET).build();
        recorder = new DecisionRecorder(new io.warden.gateway.audit.DecisionSink() {
            @Override
            public void publish(DecisionEvent e) {
                if (sinkThrows && e.kind() == DecisionEvent.Kind.COMPLETION) { // after the upstream answered
                    throw new IllegalStateException("sink bug");
                }
                events.add(e);
            }

            @Override
            public boolean hasRoom() {
                roomAsked.incrementAndGet();
                return room;
            }
        }, "gw-test", clock, () -> { }, io.warden.gateway.audit.ArgumentDigest.ephemeral());
        proxy = new McpProxy(vertx, new UpstreamClients(vertx, new HttpClientOptions(), 4), limits, snapshots,
                SessionCodec.create(List.of(SessionKeys.generate()), Duration.ofHours(1), clock),
                new PolicyGate(new ToolCatalog(), clock), new HttpGuard(List.of("127.0.0.1", "localhost"), List.of()),
                recorder, new ProxyMetrics(registry), limiter, SharedState.local(clock),
                vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)));
        Router router = Router.router(vertx);
        proxy.register(router);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        upstream.close();
        vertx.close();
    }

    private HttpResponse<String> call(String token, int id) throws Exception {
        return call(token, id, "m" + id);
    }

    private HttpResponse<String> call(String token, int id, String message) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                + "\"arguments\":{\"message\":\"" + message + "\"}}}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/mcp/s1"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double failures(String cause) {
        var c = registry.find(ProxyMetrics.FAILURES).tag("cause", cause).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aFailedLimiterRefusesAClosedLimitWith503AndRetryAfterAndNeverRunsTheCall() throws Exception {
        for (boolean thrown : new boolean[] {false, true}) {
            limiter.throwAtOnce = thrown;
            HttpResponse<String> r = call(CLOSED, thrown ? 2 : 1);
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("2", r.headers().firstValue("Retry-After").orElse(null));
            JsonNode answer = JSON.readTree(r.body());
            assertEquals(-32603, answer.path("error").path("code").asInt(), r.body());
            assertEquals(thrown ? 2 : 1, answer.path("id").asInt());
            assertTrue(answer.path("error").path("message").asText().contains("Rate limits cannot be checked"), r.body());
        }
        assertEquals(0, upstream.requests(), "the call never reached the upstream");
        assertEquals(2.0, failures("limiter_failed"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        assertEquals(DecisionEvent.Outcome.GATEWAY_ERROR, events.get(0).outcome());
        assertEquals("limiter_failed", events.get(0).message());
    }

    @Test
    void aFailedLimiterLetsAnOpenLimitThroughFlagged() throws Exception {
        HttpResponse<String> r = call(OPEN, 3);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("echo: m3"), r.body());
        assertEquals(1.0, failures("limiter_failed"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        DecisionEvent decision = events.get(0);
        DecisionEvent completion = events.get(1);
        assertEquals(DecisionEvent.Kind.DECISION, decision.kind(), "published as the call left, before its answer");
        assertEquals(DecisionEvent.Outcome.ALLOWED, decision.outcome());
        assertTrue(decision.flags().contains("limiter_open"), decision.flags().toString());
        assertNull(decision.upstreamStatus());
        assertEquals(DecisionEvent.Kind.COMPLETION, completion.kind());
        assertEquals(decision.id(), completion.id(), "the completion names its decision");
        assertEquals(decision.time(), completion.time());
        assertEquals(200, completion.upstreamStatus());
        assertEquals(decision.sequence() + 1, completion.sequence(), "one number per event, no gaps");
        assertEquals(decision.instance(), completion.instance());
        assertEquals("3", decision.requestId());
        assertEquals(DecisionEvent.Outcome.ALLOWED, completion.outcome());
    }

    @Test
    void onOutageBlockRefusesACallWhoseDecisionCannotBeRecordedAndNeverRunsIt() throws Exception {
        recorder.blockOnOutage(Duration.ofMillis(300));
        room = false;
        long start = System.nanoTime();
        HttpResponse<String> r = call(PLAIN, 6);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        assertEquals(-32603, answer.path("error").path("code").asInt());
        assertEquals(6, answer.path("id").asInt());
        assertTrue(answer.path("error").path("message").asText().contains("audit log cannot record"), r.body());
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertTrue(waitedMs >= 300, "waited for room up to the bound first: " + waitedMs + " ms");
        assertEquals(0, upstream.requests(), "the call never reached the upstream");

        // room comes back while a call waits: it goes through, recorded as it leaves
        recorder.blockOnOutage(Duration.ofSeconds(20));
        int asked = roomAsked.get();
        CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return call(PLAIN, 7);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> roomAsked.get() > asked + 2); // it is waiting, looking again
        assertEquals(0, upstream.requests());
        room = true;
        assertEquals(200, waiting.get(10, TimeUnit.SECONDS).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> "7".equals(e.requestId())
                && e.kind() == DecisionEvent.Kind.COMPLETION));
        DecisionEvent refused = events.stream().filter(e -> "6".equals(e.requestId())).findFirst().orElseThrow();
        assertEquals(DecisionEvent.Outcome.GATEWAY_ERROR, refused.outcome());
        assertEquals("audit_unavailable", refused.message());
    }

    @Test
    void anExceptionAfterTheUpstreamAnsweredEndsTheExchangeWithA500() throws Exception {
        sinkThrows = true;
        HttpResponse<String> r = call(PLAIN, 4);
        assertEquals(500, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        assertEquals(-32603, answer.path("error").path("code").asInt(), r.body());
        assertEquals(4, answer.path("id").asInt());
        assertEquals(1.0, failures("exception"));
        sinkThrows = false;
        assertEquals(200, call(PLAIN, 5).statusCode(), "the next exchange is unaffected");
    }

    private double refusals(String cause) {
        var c = registry.find(ProxyMetrics.REFUSALS).tag("cause", cause).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anAnswerBeyondThePodsBufferBudgetIsCutWithAClearErrorAndTheBytesComeBack() throws Exception {
        HttpResponse<String> r = call(PLAIN, 7, "x".repeat(48 * 1024));
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        JsonNode answer = JSON.readTree(r.body());
        assertEquals(7, answer.path("id").asInt());
        assertEquals("max-buffered-bytes", answer.path("error").path("data").path("limit").asText(), r.body());
        assertTrue(answer.path("error").path("message").asText().contains("may have run upstream"), r.body());
        assertEquals(1.0, refusals("buffer_exhausted"));
        assertEquals(0L, proxy.budgets().bufferLease().held());
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(ProxyMetrics.BUFFERED_BYTES).gauge().value() == 0.0);
        assertEquals(200, call(PLAIN, 8).statusCode(), "what the cut answer held was given back");
    }

    @Test
    void whileThePodsBufferBudgetIsTakenACallIsRefusedBeforeTheUpstreamSeesIt() throws Exception {
        BufferBudget.Lease held = proxy.budgets().bufferLease();
        assertTrue(held.grow(BUFFER_BUDGET), "another exchange holds the whole budget");
        int before = upstream.requests();
        HttpResponse<String> r = call(PLAIN, 9);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertEquals("max-buffered-bytes", JSON.readTree(r.body()).path("error").path("data").path("limit").asText());
        assertEquals(before, upstream.requests(), "the refused call never reached the upstream");
        held.close();
        assertEquals(200, call(PLAIN, 10).statusCode());
    }
}
