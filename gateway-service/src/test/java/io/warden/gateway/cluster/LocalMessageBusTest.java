package io.warden.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.warden.gateway.cluster.MessageBus.Delivery;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalMessageBusTest {

    final LocalMessageBus bus = new LocalMessageBus();

    @Test
    void deliversToTheRegisteredAddressOnlyWhileItIsRegistered() {
        List<String> got = new ArrayList<>();
        assertTrue(bus.register("a", m -> got.add(m.toString())).succeeded(), "one pod: reachable at once");
        assertEquals(Delivery.DELIVERED, bus.send("a", Buffer.buffer("one")).result());
        assertEquals(Delivery.NO_RECEIVER, bus.send("b", Buffer.buffer("two")).result());
        bus.unregister("a");
        assertEquals(Delivery.NO_RECEIVER, bus.send("a", Buffer.buffer("three")).result());
        assertEquals(List.of("one"), got);
    }
}
