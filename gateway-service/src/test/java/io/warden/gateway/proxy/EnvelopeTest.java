package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    @Test
    void survivesTheTripBetweenPods() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("User-Agent", "old-client/1").add("Mcp-Param-X", "é");
        byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"t\":\"ünïcode\"}}"
                .getBytes(StandardCharsets.UTF_8);
        Envelope e = Envelope.decode(new Envelope("srv", "hash", headers, body).encode());
        assertEquals("srv", e.serverId());
        assertEquals("hash", e.grantTokenHash());
        assertEquals("old-client/1", e.headers().get("user-agent"));
        assertEquals("é", e.headers().get("Mcp-Param-X"));
        assertArrayEquals(body, e.body());
    }

    @Test
    void anythingElseIsRefused() {
        assertNull(Envelope.decode(Buffer.buffer("not json")));
        assertNull(Envelope.decode(Buffer.buffer("[1,2]")));
        assertNull(Envelope.decode(Buffer.buffer("{\"server\":\"srv\",\"headers\":[],\"body\":\"{}\"}")));
        assertNull(Envelope.decode(Buffer.buffer("{\"server\":\"s\",\"grant\":\"g\",\"headers\":[[1]],\"body\":\"{}\"}")));
    }
}
