package io.warden.gateway.it;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The started gateway runs Mutiny callbacks as they are: no context-propagation wrapper around each one. */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class MutinyCallbacksTest {

    @Test
    void callbacksAreNotDecorated() {
        Consumer<String> consumer = s -> { };
        Function<String, String> function = s -> s;
        assertSame(consumer, Infrastructure.decorate(consumer));
        assertSame(function, Infrastructure.decorate(function));
    }
}
