package io.warden.gateway.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RouteTest {

    private static final Eras MODERN = new Eras(true, false, false, null, null);
    private static final Eras LEGACY = new Eras(false, true, false, null, null);
    private static final Eras DUAL = new Eras(true, true, false, null, null);
    private static final Eras OLD = new Eras(false, false, true, null, null);

    @Test
    void sameEraIsDirect() {
        assertEquals(Route.DIRECT, Route.choose(true, false, MODERN));
        assertEquals(Route.DIRECT, Route.choose(false, false, LEGACY));
        assertEquals(Route.DIRECT, Route.choose(true, false, DUAL));
        assertEquals(Route.DIRECT, Route.choose(false, false, DUAL));
    }

    @Test
    void crossingErasIsBridged() {
        assertEquals(Route.LEGACY_TO_MODERN, Route.choose(false, false, MODERN));
        assertEquals(Route.MODERN_TO_LEGACY, Route.choose(true, false, LEGACY));
    }

    @Test
    void aBridgedSessionStaysBridgedWhateverTheProbeSays() {
        assertEquals(Route.LEGACY_TO_MODERN, Route.choose(false, true, LEGACY));
        assertEquals(Route.LEGACY_TO_MODERN, Route.choose(false, true, Eras.UNKNOWN));
    }

    @Test
    void nothingKnownMeansRelayAsBefore() {
        assertEquals(Route.DIRECT, Route.choose(false, false, Eras.UNKNOWN));
        assertEquals(Route.DIRECT, Route.choose(true, false, Eras.UNKNOWN));
    }

    @Test
    void anHttpSseOnlyUpstreamIsBridgedForLegacyClientsOnly() {
        assertEquals(Route.LEGACY_TO_HTTP_SSE, Route.choose(false, false, OLD));
        assertEquals(Route.UNSUPPORTED_HTTP_SSE, Route.choose(true, false, OLD));
        assertEquals(Route.DIRECT, Route.choose(false, false, new Eras(false, true, true, null, null)));
    }
}
