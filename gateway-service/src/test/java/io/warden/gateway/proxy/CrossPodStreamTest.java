package io.warden.gateway.proxy;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.RedisOptions;
import io.warden.api.GrantTokens;
import io.warden.gateway.cluster.MessageBus.Delivery;
import io.warden.gateway.cluster.RedisMessageBus;
import io.warden.gateway.cluster.RedisSubscriber;
import io.warden.gateway.it.GatewayTestBed;
import io.warden.gateway.session.SessionCodec;
import io.warden.testsupport.redis.RedisResource;
import io.warden.testsupport.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP+SSE across pods with a real Redis: the gateway under test is one pod; the test plays a second pod with its own
 * Redis link. A message that pod B publishes for A's stream is answered on A's stream; a POST that A receives for a
 * stream B holds goes to B; no holder is 404; no Redis is 503 for remote streams while local ones keep working.
 */
@QuarkusTest
@TestProfile(CrossPodStreamTest.WithRedis.class)
class CrossPodStreamTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    public static class WithRedis implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RedisResource.class), new TestResourceEntry(GatewayTestBed.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.gateway.cluster.redis-url", "${warden.test.redis-url}",
                    "warden.gateway.cluster.reconnect-delay", "100ms");
        }
    }

    RedisServer redis; // injected by RedisResource

    @TestHTTPResource("/")
    URI base;

    Vertx vertx;
    RedisSubscriber podB;
    RedisMessageBus busB;
    final SessionCodec codec = SessionCodec.create(List.of(GatewayTestBed.SESSION_KEY), Duration.ofHours(1), Clock.systemUTC());

    @BeforeEach
    void secondPod() {
        vertx = Vertx.vertx();
        podB = new RedisSubscriber(vertx, new RedisOptions().setConnectionString(redis.uri()), Duration.ofMillis(100),
                Duration.ofSeconds(2));
        busB = new RedisMessageBus(podB);
        podB.start();
        await().atMost(WAIT).until(podB::connected);
    }

    @AfterEach
    void stop() {
        if (!redis.isRunning()) {
            redis.start();
        }
        busB.close();
        podB.close();
        vertx.close();
    }

    /** An open {@code GET /mcp/fixture/sse}: its lines as they arrive. */
    final class Stream {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Stream() {
            HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(base.resolve("/mcp/fixture/sse"))
                            .header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN)
                            .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(r -> r.body().forEach(lines::add));
            await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: /mcp/fixture/messages")));
        }

        String endpoint() {
            return lines.stream().filter(l -> l.startsWith("data: /mcp/")).findFirst().orElseThrow().substring(6);
        }

        String channelId() {
            String token = endpoint().substring(endpoint().indexOf("session=") + 8);
            SessionCodec.Valid v = (SessionCodec.Valid) codec.open(token);
            return v.state().upstreamSessionId().substring("sse:".length());
        }

        boolean shows(String text) {
            return lines.stream().anyMatch(l -> l.startsWith("data: ") && l.contains(text));
        }
    }

    /** After initialize (the stream's upstream session exists), a ping. */
    static final String PING_5 = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}";

    static String initialize(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2024-11-05\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"cross-pod\",\"version\":\"1\"}}}";
    }

    static io.restassured.response.Response post(String path, String body) {
        return given().header("Authorization", "Bearer " + GatewayTestBed.ALLOW_TOKEN).contentType("application/json")
                .body(body).post(path);
    }

    static Buffer envelope(String body) {
        return new Envelope("fixture", GrantTokens.hash(GatewayTestBed.ALLOW_TOKEN), MultiMap.caseInsensitiveMultiMap(),
                body.getBytes(StandardCharsets.UTF_8)).encode();
    }

    /** The value of {@code warden_shared_state_connected} on {@code /q/metrics}. */
    static String connectedGauge() {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith("warden_shared_state_connected"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    static <T> T get(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aMessagePublishedByAnotherPodIsAnsweredOnThisPodsStream() throws Exception {
        Stream stream = new Stream();
        assertEquals(Delivery.DELIVERED, get(busB.send(stream.channelId(), envelope(initialize(41)))));
        await().atMost(WAIT).until(() -> stream.shows("\"id\":41") && stream.shows("serverInfo"));
    }

    @Test
    void aPostForAStreamOnAnotherPodGoesThereAnd404sOnceThatStreamIsGone() throws Exception {
        List<Buffer> received = new CopyOnWriteArrayList<>();
        get(busB.register("held-by-b", received::add));
        String token = codec.seal("fixture", "allow", "sse:held-by-b", "2024-11-05", "2024-11-05");

        post("/mcp/fixture/messages?session=" + token, initialize(7)).then().statusCode(202);
        await().atMost(WAIT).until(() -> received.size() == 1);
        Envelope e = Envelope.decode(received.get(0));
        assertEquals("fixture", e.serverId());
        assertEquals(GrantTokens.hash(GatewayTestBed.ALLOW_TOKEN), e.grantTokenHash());
        assertEquals(initialize(7), new String(e.body(), StandardCharsets.UTF_8));

        busB.unregister("held-by-b");
        await().atMost(WAIT).until(() -> post("/mcp/fixture/messages?session=" + token, initialize(8)).statusCode() == 404);
        post("/mcp/fixture/messages?session=" + token, initialize(9)).then().statusCode(404)
                .body(containsString("Session not found"));
        assertEquals(1, received.size());
    }

    @Test
    void withoutRedisRemoteStreamsAre503AndLocalOnesKeepWorkingThenAllComesBack() throws Exception {
        Stream local = new Stream();
        get(busB.register("held-by-b", m -> { }));
        String remote = codec.seal("fixture", "allow", "sse:held-by-b", "2024-11-05", "2024-11-05");
        await().atMost(WAIT).until(() -> connectedGauge().equals("1.0"));
        redis.stop();
        await().atMost(WAIT).until(() -> connectedGauge().equals("0.0"));

        await().atMost(WAIT).until(() -> post("/mcp/fixture/messages?session=" + remote, initialize(1)).statusCode() == 503);
        post("/mcp/fixture/messages?session=" + remote, initialize(2)).then().statusCode(503)
                .header("Retry-After", "2").body(containsString("cannot be reached"));
        post(local.endpoint(), initialize(3)).then().statusCode(202);
        await().atMost(WAIT).until(() -> local.shows("\"id\":3"));

        redis.start();
        await().atMost(WAIT).until(() -> connectedGauge().equals("1.0"));
        await().atMost(WAIT).until(() -> post("/mcp/fixture/messages?session=" + remote, initialize(4)).statusCode() == 202);
        // The gateway's own subscription came back too: pod B reaches the stream opened before the outage.
        await().atMost(WAIT).until(() -> get(busB.send(local.channelId(), envelope(PING_5))) == Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> local.shows("\"id\":5"));
        assertTrue(local.lines.stream().noneMatch(l -> l.contains("\"id\":1,") || l.contains("\"id\":2,")));
    }

    @Test
    void sessionsCreatedPerGrantPerMinuteAreCountedForAllPodsInRedis() throws Exception {
        // Pod B already counted 599 sessions of the grant this minute (the default allows 600 per minute).
        io.warden.gateway.cluster.RedisSessionCounts countsB = new io.warden.gateway.cluster.RedisSessionCounts(podB, 60_000);
        String key = io.warden.gateway.cluster.RedisSessionCounts.key("allow");
        try {
            for (int i = 0; i < 599; i++) {
                countsB.add("allow").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            post("/mcp/fixture", initialize(1)).then().statusCode(200);
            post("/mcp/fixture", initialize(2)).then().statusCode(429)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .body("id", org.hamcrest.Matchers.equalTo(2))
                    .body("error.data.limit", org.hamcrest.Matchers.equalTo("max-sessions-per-grant-per-minute"));
            assertEquals("601", String.valueOf(redis.command("GET", key)), "this pod counted both in Redis");
        } finally {
            redis.command("DEL", key); // the other tests of this class initialize with the same grant
        }
    }
}
