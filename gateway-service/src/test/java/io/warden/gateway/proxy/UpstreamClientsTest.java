package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.impl.VertxInternal;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamClientsTest {

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpClient on(Context context, UpstreamClients clients) throws Exception {
        CompletableFuture<HttpClient> client = new CompletableFuture<>();
        context.runOnContext(v -> client.complete(clients.current()));
        return client.get(10, TimeUnit.SECONDS);
    }

    @Test
    void eachEventLoopHasItsOwnClientAndOtherThreadsShareOne() throws Exception {
        UpstreamClients clients = new UpstreamClients(vertx, new HttpClientOptions(), 8);
        VertxInternal internal = (VertxInternal) vertx;
        // Event-loop contexts are handed out round robin: two in a row are on the two different loops.
        Context first = internal.createEventLoopContext();
        Context second = internal.createEventLoopContext();
        Context firstAgain = internal.createEventLoopContext();

        HttpClient a = on(first, clients);
        assertSame(a, on(first, clients), "the same loop, the same client");
        assertNotSame(a, on(second, clients), "another loop, another client");
        assertSame(a, on(firstAgain, clients), "another context on the first loop shares its client");
        HttpClient shared = clients.current();
        assertSame(shared, clients.current(), "threads that are no event loop share one client");
        assertEquals(3, clients.clients());
        assertEquals(8, clients.perLoopPoolSize());
    }

    private static <T> T onLoop(Context context, java.util.function.Supplier<T> what) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> result.complete(what.get()));
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void http2ServersGetOnePodWideStreamClientAndPerLoopCallClientsApartFromHttp1() throws Exception {
        UpstreamClients clients = new UpstreamClients(vertx, new HttpClientOptions(), 8, 8, 3, 50);
        UpstreamServer plain = new UpstreamServer("a", "a", URI.create("http://127.0.0.1:9/mcp"), Map.of());
        UpstreamServer h2c = plain.withHttp2(true);
        UpstreamServer h2 = new UpstreamServer("b", "b", URI.create("https://mcp.example.com/mcp"), Map.of()).withHttp2(true);
        VertxInternal internal = (VertxInternal) vertx;
        Context first = internal.createEventLoopContext();
        Context second = internal.createEventLoopContext();

        HttpClient streams = onLoop(first, () -> clients.streams(h2c));
        assertSame(streams, onLoop(second, () -> clients.streams(h2c)), "one stream client, so one count of its slots");
        assertNotSame(onLoop(first, () -> clients.calls(h2c)), onLoop(second, () -> clients.calls(h2c)),
                "calls keep a client per loop");
        assertNotSame(streams, onLoop(first, () -> clients.calls(h2c)), "streams never share connections with calls");
        assertNotSame(onLoop(first, () -> clients.calls(plain)), onLoop(first, () -> clients.calls(h2c)),
                "HTTP/1.1 and HTTP/2 are different clients");
        assertSame(onLoop(first, clients::current), onLoop(first, () -> clients.calls(plain)));

        assertSame(Budgets.Lane.OWN_CONNECTION, clients.lane(plain));
        assertEquals(Budgets.Lane.multiplexed("http://127.0.0.1:9", 3, 50, false), clients.lane(h2c));
        assertEquals(150, clients.lane(h2c).capacity());
        assertEquals(Budgets.Lane.multiplexed("https://mcp.example.com:443", 3, 50, true), clients.lane(h2),
                "over https the upstream may answer ALPN with HTTP/1.1");
    }
}
