package io.warden.gateway.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * What one upstream endpoint speaks, as probed (or pinned by the operator).
 *
 * @param modern     answers 2026-07-28 requests ({@code server/discover} worked)
 * @param legacy     answers the legacy {@code initialize} handshake (2025-03-26 … 2025-11-25 Streamable HTTP)
 * @param httpSse    serves the deprecated 2024-11-05 HTTP+SSE transport ({@code endpoint} event on a GET)
 * @param discover   the upstream's {@code server/discover} result, when it is modern (null when pinned)
 * @param initialize the upstream's {@code initialize} result, when it is legacy (null when pinned)
 * @param sseUrl     where the old transport's stream answered with an {@code endpoint} event (null unless httpSse)
 */
public record Eras(boolean modern, boolean legacy, boolean httpSse, JsonNode discover, JsonNode initialize, URI sseUrl) {

    /** Nothing recognised: the gateway relays as it always did and lets the upstream answer. */
    public static final Eras UNKNOWN = new Eras(false, false, false, null, null, null);

    public Eras(boolean modern, boolean legacy, boolean httpSse, JsonNode discover, JsonNode initialize) {
        this(modern, legacy, httpSse, discover, initialize, null);
    }

    public boolean known() {
        return modern || legacy || httpSse;
    }

    public String describe() {
        if (!known()) {
            return "unknown";
        }
        StringBuilder sb = new StringBuilder();
        if (modern) {
            sb.append("modern");
        }
        if (legacy) {
            sb.append(sb.isEmpty() ? "" : "+").append("legacy");
        }
        if (httpSse) {
            sb.append(sb.isEmpty() ? "" : "+").append("http+sse");
        }
        return sb.toString();
    }
}
