package io.warden.gateway.bridge;

/** How one client request reaches its upstream, given the client's era and what the upstream speaks. */
public enum Route {
    /** Same era on both sides (or nothing known about the upstream): relayed as it is. */
    DIRECT,
    /** Legacy (or 2024-11-05) client, modern-only upstream: the gateway ends the legacy lifecycle itself. */
    LEGACY_TO_MODERN,
    /** Modern client, legacy-only upstream: the gateway holds an upstream legacy session. */
    MODERN_TO_LEGACY,
    /** Legacy (or 2024-11-05) client, HTTP+SSE-only upstream: one upstream stream per client session (T-L3). */
    LEGACY_TO_HTTP_SSE,
    /** Modern client, HTTP+SSE-only upstream: not bridged yet. */
    UNSUPPORTED_HTTP_SSE;

    /**
     * The route for a request. {@code clientModern} is the client's era; a legacy session the gateway
     * already bridged stays bridged ({@code bridgedSession}), whatever a later probe says.
     */
    public static Route choose(boolean clientModern, boolean bridgedSession, Eras upstream) {
        if (!clientModern && bridgedSession) {
            return LEGACY_TO_MODERN;
        }
        if (!upstream.known()) {
            return DIRECT;
        }
        if (clientModern) {
            if (upstream.modern()) {
                return DIRECT;
            }
            return upstream.legacy() ? MODERN_TO_LEGACY : UNSUPPORTED_HTTP_SSE;
        }
        if (upstream.legacy()) {
            return DIRECT;
        }
        return upstream.modern() ? LEGACY_TO_MODERN : LEGACY_TO_HTTP_SSE;
    }
}
