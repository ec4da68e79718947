package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpGuardTest {

    private final HttpGuard guard = new HttpGuard(List.of("localhost", "127.0.0.1", "[::1]"), List.of("https://app.example.com"));

    @Test
    void originsOfAllowedHostsAndListedOriginsPass() {
        assertTrue(guard.originAllowed("http://localhost:3000"));
        assertTrue(guard.originAllowed("http://127.0.0.1"));
        assertTrue(guard.originAllowed("https://app.example.com"));
        assertFalse(guard.originAllowed("http://evil.example.com"));
        assertFalse(guard.originAllowed("null"));
    }

    @Test
    void acceptMustListTheType() {
        assertTrue(HttpGuard.accepts("application/json, text/event-stream", "text/event-stream"));
        assertTrue(HttpGuard.accepts("application/json;q=0.9, text/event-stream", "application/json"));
        assertFalse(HttpGuard.accepts("application/json", "text/event-stream"));
        assertFalse(HttpGuard.accepts(null, "application/json"));
    }
}
