package io.warden.gateway.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.warden.api.GrantTokens;
import io.warden.gateway.cluster.SharedState;
import io.warden.gateway.config.GatewayConfig;
import io.warden.gateway.config.TestConfigs;
import io.warden.gateway.metrics.ProxyMetrics;
import io.warden.gateway.policy.PolicyGate;
import io.warden.gateway.policy.SnapshotHolder;
import io.warden.gateway.policy.ToolCatalog;
import io.warden.gateway.ratelimit.InMemoryRateLimiter;
import io.warden.gateway.session.SessionCodec;
import io.warden.gateway.session.SessionKeys;
import io.warden.snapshot.StandaloneConfigParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers marked {@code http2: true} are reached over h2c with prior knowledge: calls and GET streams travel as HTTP/2
 * streams, many client streams share a few upstream connections (at most {@code max-connections}, each carrying at most
 * {@code max-streams-per-connection}), a stream beyond that is refused before the upstream sees it, and an upstream that
 * resets or ends one HTTP/2 stream ends that client's stream only. The upstream is a real Vert.x h2c server on loopback.
 */
class Http2UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "wdn_h2";
    private static final int CONNECTIONS = 2;
    private static final int PER_CONNECTION = 10;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Vertx vertx;
    private H2cUpstream upstream;
    private HttpServer gateway;
    private SimpleMeterRegistry registry;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<ClientStream> opened = new ArrayList<>();

    /** A client's GET stream through the gateway: its lines as they arrive, and whether it has ended. */
    private static final class ClientStream {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        volatile boolean ended;
        final InputStream body;

        ClientStream(InputStream body) {
            this.body = body;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed by the test or cut: ended either way
                } finally {
                    ended = true;
                }
            }, "client-stream");
            reader.setDaemon(true);
            reader.start();
        }

        boolean saw(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = new H2cUpstream(1000); // the gateway's own bound (10 per connection) is the one that binds
        Path config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: s1, era: legacy, http2: true, url: "%s"}
                grants:
                  - {id: g1, server: s1, token_hash: "%s", policy: allow-all}
                policies:
                  allow-all: {version: "1", default: allow}
                """.formatted(upstream.url(), GrantTokens.hash(TOKEN)));
        SnapshotHolder snapshots = new SnapshotHolder();
        snapshots.swap(assertInstanceOf(StandaloneConfigParser.Parsed.class,
                new StandaloneConfigParser(Map.<String, String>of()::get).parse(config)).snapshot());
        registry = new SimpleMeterRegistry();
        Clock clock = Clock.systemUTC();
        GatewayConfig.Limits limits = TestConfigs.limits().upstreamKeepAliveTimeout(Duration.ofSeconds(30)).build();
        McpProxy proxy = new McpProxy(vertx,
                new UpstreamClients(vertx, new HttpClientOptions().setKeepAliveTimeout(30), 4, 100, CONNECTIONS, PER_CONNECTION),
                limits, snapshots, SessionCodec.create(List.of(SessionKeys.generate()), Duration.ofHours(1), clock),
                new PolicyGate(new ToolCatalog(), clock), new HttpGuard(List.of("127.0.0.1", "localhost"), List.of()),
                new DecisionRecorder(e -> { }, "gw-test", clock, () -> { }, io.warden.gateway.audit.ArgumentDigest.ephemeral()),
                new ProxyMetrics(registry), new InMemoryRateLimiter(clock), SharedState.local(clock),
                vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)));
        Router router = Router.router(vertx);
        proxy.register(router);
        gateway = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws IOException {
        for (ClientStream s : opened) {
            s.body.close();
        }
        upstream.close();
        vertx.close();
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + gateway.actualPort() + "/mcp/s1");
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(endpoint()).timeout(WAIT)
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> echo(int id, String message) throws Exception {
        return post("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                + "\"arguments\":{\"message\":\"" + message + "\"}}}");
    }

    /** Opens a GET stream; the response as it arrived (status and, for a 200, the stream being read). */
    private HttpResponse<InputStream> openStream() throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(endpoint())
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 200) {
            opened.add(new ClientStream(r.body()));
        }
        return r;
    }

    private double refusals(String cause) {
        var c = registry.find(ProxyMetrics.REFUSALS).tag("cause", cause).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void callsAndStreamsTravelAsHttp2Streams() throws Exception {
        HttpResponse<String> r = echo(1, "hello");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode text = JSON.readTree(r.body()).path("result").path("content").path(0).path("text");
        assertEquals("echo: hello over HTTP_2", text.asText());

        assertEquals(200, openStream().statusCode());
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == 1);
        upstream.notifyAll("notifications/tools/list_changed");
        await().atMost(WAIT).until(() -> opened.get(0).saw("notifications/tools/list_changed"));
        assertEquals(0, upstream.http1Requests(), "nothing went over HTTP/1.1");
        assertTrue(upstream.http2Requests() >= 2);
    }

    @Test
    void manyStreamsShareAFewConnectionsAndOneBeyondTheirSlotsIsRefusedBeforeTheUpstream() throws Exception {
        int streams = CONNECTIONS * PER_CONNECTION;
        for (int i = 0; i < streams; i++) {
            assertEquals(200, openStream().statusCode(), "stream " + i);
        }
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == streams);
        assertTrue(upstream.streamConnections() <= CONNECTIONS,
                streams + " streams over " + upstream.streamConnections() + " connections");

        HttpResponse<InputStream> refused = openStream();
        String body = new String(refused.body().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(503, refused.statusCode(), body);
        assertEquals("5", refused.headers().firstValue("Retry-After").orElse(null));
        assertEquals("http2-max-connections", JSON.readTree(body).path("error").path("data").path("limit").asText());
        assertEquals(streams, upstream.gets(), "the refused stream never reached the upstream");
        assertEquals(1.0, refusals("http2_streams_exhausted"));

        // Calls have connections of their own: the streams' slots being full does not hold them up.
        HttpResponse<String> call = echo(2, "still answered");
        assertEquals(200, call.statusCode(), call.body());

        // A stream the client closes gives its slot back: the next one is admitted.
        opened.remove(0).body.close();
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == streams - 1);
        await().atMost(WAIT).until(() -> openStream().statusCode() == 200);
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == streams);
        assertTrue(upstream.streamConnections() <= CONNECTIONS);
    }

    @Test
    void anUpstreamResettingOrEndingOneStreamEndsThatClientsStreamOnly() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, openStream().statusCode());
        }
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == 3);
        int connections = upstream.connectionsOpen();
        List<Integer> ids = new ArrayList<>(upstream.openStreams());

        upstream.reset(ids.get(0));
        await().atMost(WAIT).until(() -> opened.stream().filter(s -> s.ended).count() == 1);
        upstream.end(ids.get(1));
        await().atMost(WAIT).until(() -> opened.stream().filter(s -> s.ended).count() == 2);

        assertEquals(Set.of(ids.get(2)), upstream.openStreams());
        upstream.notifyAll("notifications/resources/list_changed");
        ClientStream alive = opened.stream().filter(s -> !s.ended).findFirst().orElseThrow();
        await().atMost(WAIT).until(() -> alive.saw("notifications/resources/list_changed"));
        assertEquals(connections, upstream.connectionsOpen(), "a reset stream does not cost its connection");
        await().atMost(WAIT).until(() -> registry.find(ProxyMetrics.STREAMS).gauge().value() == 1.0);
    }

    @Test
    void aClientThatStopsReadingHoldsBackItsOwnStreamOnlyNotTheConnectionItShares() throws Exception {
        HttpResponse<InputStream> stalled = http.send(HttpRequest.newBuilder(endpoint())
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stalled.statusCode()); // never read: its bytes pile up until the gateway pauses the stream
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == 1);
        int slow = upstream.openStreams().iterator().next();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, openStream().statusCode());
        }
        await().atMost(WAIT).until(() -> upstream.openStreams().size() == 4);
        assertEquals(1, upstream.streamConnections(), "all four on one connection");
        try {
            // 64 MiB for a reader that never reads: far beyond the socket buffers and the HTTP/2 windows on the way.
            upstream.flood(slow, 2048, 32 * 1024);
            // Flow control has stopped the flood once the count no longer moves between two polls.
            java.util.concurrent.atomic.AtomicInteger last = new java.util.concurrent.atomic.AtomicInteger(-1);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                int now = upstream.written();
                return now > 0 && now == last.getAndSet(now);
            });
            upstream.notifyAll("notifications/prompts/list_changed");
            await().atMost(WAIT).until(() -> opened.stream().allMatch(s -> s.saw("notifications/prompts/list_changed")));
            assertTrue(upstream.written() < 2048, "the stalled stream was held back by flow control");
        } finally {
            stalled.body().close();
        }
    }
}
