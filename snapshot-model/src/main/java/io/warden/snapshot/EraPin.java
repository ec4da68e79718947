package io.warden.snapshot;

import java.util.Arrays;
import java.util.Locale;

/**
 * What the operator says an upstream speaks ({@code era:} in the standalone file). {@code auto} lets the
 * gateway probe the upstream once per TTL; the other values skip the probe.
 */
public enum EraPin {
    AUTO("auto"),
    /** 2026-07-28 only (stateless). */
    MODERN("modern"),
    /** 2025-03-26 … 2025-11-25 Streamable HTTP only (initialize, sessions). */
    LEGACY("legacy"),
    /** Both eras on the same endpoint. */
    DUAL("dual"),
    /** The deprecated 2024-11-05 HTTP+SSE transport only. */
    HTTP_SSE("http+sse");

    public final String wire;

    EraPin(String wire) {
        this.wire = wire;
    }

    /** Null for an unknown spelling. */
    public static EraPin fromWire(String s) {
        String lower = s == null ? "" : s.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.wire.equals(lower)).findFirst().orElse(null);
    }

    public static String spellings() {
        return String.join(", ", Arrays.stream(values()).map(p -> p.wire).toList());
    }
}
