package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.config.TestConfigs;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.snapshot.EraPin;
import io.warden.snapshot.UpstreamServer;
import io.warden.testsupport.FreePorts;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The probe cache against a real (tiny) upstream: one probe for many waiting requests, the TTL, re-probing on
 * suspicion no sooner than {@link UpstreamEras#MIN_REPROBE}, pins, and unreachable upstreams left uncached.
 * Time is a settable nanosecond counter.
 */
class UpstreamErasTest {

    private final Vertx vertx = Vertx.vertx();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private UpstreamEras eras;

    @BeforeEach
    void start() throws Exception {
        // Modern only: discover works, initialize is refused the way a modern-only SDK server refuses it.
        server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            String text = body.toString();
            String method = text.contains("server/discover") ? "server/discover" : text.contains("initialize") ? "initialize"
                    : req.method().name();
            seen.add(method);
            if (method.equals("server/discover")) {
                req.response().putHeader("Content-Type", "application/json").end("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
                        + "{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{}}}");
            } else if (method.equals("initialize")) {
                req.response().setStatusCode(400).putHeader("Content-Type", "application/json").end("{\"jsonrpc\":\"2.0\","
                        + "\"id\":1,\"error\":{\"code\":-32022,\"message\":\"Unsupported protocol version\"}}");
            } else {
                req.response().setStatusCode(405).end();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        GatewayConfig.Limits limits = TestConfigs.limits().maxBodyBytes(1 << 20)
                .upstreamConnectTimeout(Duration.ofSeconds(5)).maxConcurrentStreams(10)
                .eraProbeTtl(Duration.ofMinutes(10)).maxBufferedBytes(1L << 30).build();
        UpstreamCalls calls = new UpstreamCalls(vertx, vertx.createHttpClient(), limits);
        eras = new UpstreamEras(calls, new ProxyMetrics(new SimpleMeterRegistry()), Duration.ofMinutes(10), now::get);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private UpstreamServer upstream(EraPin pin) {
        return new UpstreamServer("s", "s", URI.create("http://127.0.0.1:" + server.actualPort() + "/mcp"), Map.of(),
                Map.of(), pin);
    }

    private static UpstreamEras.Outcome await(Future<UpstreamEras.Outcome> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void manyWaitingRequestsShareOneProbeUntilTheTtlEnds() throws Exception {
        UpstreamServer s = upstream(EraPin.AUTO);
        Future<UpstreamEras.Outcome> first = eras.resolve(s);
        Future<UpstreamEras.Outcome> second = eras.resolve(s);
        assertSame(first, second, "one probe in flight per upstream");
        UpstreamEras.Outcome o = await(first);
        assertNull(o.failure());
        assertTrue(o.eras().modern() && !o.eras().legacy() && !o.eras().httpSse(), o.eras().describe());
        assertEquals(List.of("server/discover", "initialize"), seen, "modern answered: no GET for the old transport");

        assertSame(first, eras.resolve(s), "cached");
        now.addAndGet(Duration.ofMinutes(11).toNanos());
        assertSame(first, eras.resolve(s), "after the TTL the old answer still serves, without waiting");
        assertSame(first, eras.resolve(s), "and the background probe is started once");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> eras.resolve(s) != first);
        assertEquals(4, seen.size(), "probed again once after the TTL: " + seen);
        assertTrue(await(eras.resolve(s)).eras().modern());
    }

    @Test
    void suspicionReprobesButNotSoonerThanTheMinimumInterval() throws Exception {
        UpstreamServer s = upstream(EraPin.AUTO);
        await(eras.resolve(s));
        eras.suspect(s);
        await(eras.resolve(s));
        assertEquals(2, seen.size(), "too soon after the last probe: " + seen);
        now.addAndGet(UpstreamEras.MIN_REPROBE.toNanos());
        eras.suspect(s);
        await(eras.resolve(s));
        assertEquals(4, seen.size(), "probed again: " + seen);
    }

    @Test
    void aServerWhoseHttp2FlagChangedIsProbedAgain() throws Exception {
        UpstreamServer s = upstream(EraPin.AUTO);
        Future<UpstreamEras.Outcome> overHttp1 = eras.resolve(s);
        await(overHttp1);
        assertEquals(2, seen.size(), seen.toString());
        Future<UpstreamEras.Outcome> overHttp2 = eras.resolve(s.withHttp2(true));
        await(overHttp2);
        assertFalse(overHttp1 == overHttp2, "the answer over HTTP/1.1 is not reused for HTTP/2");
        assertEquals(4, seen.size(), "probed again: " + seen);
        assertSame(overHttp1, eras.resolve(s), "each protocol keeps its own answer");
    }

    @Test
    void aPinSkipsTheProbeAndAModernPinOnlyFetchesDiscover() throws Exception {
        UpstreamEras.Outcome legacy = await(eras.resolve(upstream(EraPin.LEGACY)));
        assertTrue(legacy.eras().legacy() && !legacy.eras().modern());
        assertEquals(List.of(), seen);
        UpstreamEras.Outcome modern = await(eras.resolve(upstream(EraPin.MODERN)));
        assertTrue(modern.eras().modern());
        assertEquals("2026-07-28", modern.eras().discover().path("supportedVersions").path(0).asText());
        assertEquals(List.of("server/discover"), seen);
    }

    @Test
    void anUnreachableUpstreamIsReportedAndNotCached() throws Exception {
        UpstreamServer dead = new UpstreamServer("d", "d", URI.create("http://127.0.0.1:" + FreePorts.next() + "/mcp"),
                Map.of(), Map.of(), EraPin.AUTO);
        Future<UpstreamEras.Outcome> first = eras.resolve(dead);
        assertEquals("unreachable", await(first).failure());
        Future<UpstreamEras.Outcome> again = eras.resolve(dead);
        assertFalse(first == again, "a failed probe is not reused");
        assertEquals("unreachable", await(again).failure());
    }
}
