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
}
