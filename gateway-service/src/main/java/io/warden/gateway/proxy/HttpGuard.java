package io.warden.gateway.proxy;

import io.warden.gateway.mcp.JsonRpc;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks that need only the request line and headers: DNS-rebinding protection (Host and Origin),
 * Content-Type and Accept. Each failure names its status and a JSON-RPC error to send.
 */
public final class HttpGuard {

    public record Rejection(int status, String message, int code) {}

    private final Set<String> allowedHosts;
    private final Set<String> allowedOrigins;
    private final boolean anyOrigin;

    public HttpGuard(List<String> allowedHosts, List<String> allowedOrigins) {
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.anyOrigin = allowedOrigins.contains("*");
        this.allowedOrigins = allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** Host and Origin; null when acceptable. */
    public Rejection checkOrigin(HttpServerRequest req) {
        // authority() covers HTTP/1.1 Host and HTTP/2 :authority (h2c clients send no Host header).
        HostAndPort authority = req.authority();
        String host = authority == null ? null : authority.host();
        if (host == null || !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return new Rejection(403, "Forbidden: Host not allowed", JsonRpc.BAD_REQUEST);
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !originAllowed(origin)) {
            return new Rejection(403, "Forbidden: Origin not allowed", JsonRpc.BAD_REQUEST);
        }
        return null;
    }

    public boolean originAllowed(String origin) {
        if (anyOrigin || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            return true;
        }
        try {
            URI u = URI.create(origin);
            return u.getHost() != null && allowedHosts.contains(u.getHost().toLowerCase(Locale.ROOT))
                    || u.getHost() != null && allowedHosts.contains("[" + u.getHost().toLowerCase(Locale.ROOT) + "]");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** POST: JSON body, and a client that accepts both answer shapes. */
    public Rejection checkPostHeaders(HttpServerRequest req) {
        String ct = req.getHeader("Content-Type");
        // two Content-Type headers that may disagree: which one a hop reads is ambiguous, so neither is trusted
        if (ct == null || req.headers().getAll("Content-Type").size() > 1
                || !ct.toLowerCase(Locale.ROOT).trim().startsWith("application/json")) {
            return new Rejection(415, "Unsupported Media Type: Content-Type must be application/json", JsonRpc.BAD_REQUEST);
        }
        String accept = req.getHeader("Accept");
        if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
            return new Rejection(406, "Not Acceptable: Accept must list both application/json and text/event-stream",
                    JsonRpc.BAD_REQUEST);
        }
        return null;
    }

    /** GET opens an event stream, so the client must accept one. */
    public Rejection checkGetHeaders(HttpServerRequest req) {
        if (!accepts(req.getHeader("Accept"), "text/event-stream")) {
            return new Rejection(406, "Not Acceptable: Accept must list text/event-stream", JsonRpc.BAD_REQUEST);
        }
        return null;
    }

    /**
     * The client headers that travel upstream: those MCP defines, plus Last-Event-ID and User-Agent; never
     * Authorization, Cookie or Origin. Case-insensitive, without lower-casing a copy of every header name.
     */
    static boolean travelsUpstream(String name) {
        return name.equalsIgnoreCase("mcp-protocol-version") || name.equalsIgnoreCase("mcp-method")
                || name.equalsIgnoreCase("mcp-name") || name.regionMatches(true, 0, "mcp-param-", 0, 10)
                || name.equalsIgnoreCase("last-event-id") || name.equalsIgnoreCase("user-agent");
    }

    /**
     * True when one of the comma-separated media ranges of {@code accept} (parameters after ';' ignored, case-insensitive)
     * is {@code type}, its major type with {@code /*}, or {@code *}{@code /*}. {@code type} is lowercase ASCII. Scans in
     * place: every POST checks its Accept header twice.
     */
    static boolean accepts(String accept, String type) {
        if (accept == null) {
            return false;
        }
        int major = type.indexOf('/');
        for (int start = 0; start <= accept.length(); ) {
            int comma = accept.indexOf(',', start);
            int end = comma < 0 ? accept.length() : comma;
            int semicolon = accept.indexOf(';', start);
            int rangeEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
            int from = start;
            int to = rangeEnd;
            while (from < to && accept.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && accept.charAt(to - 1) <= ' ') {
                to--;
            }
            if (sameAscii(accept, from, to, type, 0, type.length())
                    || sameAscii(accept, from, to, "*/*", 0, 3)
                    || to - from == major + 2 && accept.charAt(to - 2) == '/' && accept.charAt(to - 1) == '*'
                    && sameAscii(accept, from, to - 2, type, 0, major)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** {@code s[from, to)} equals {@code lower[lf, lt)}, ASCII letters of {@code s} folded to lowercase. */
    private static boolean sameAscii(String s, int from, int to, String lower, int lf, int lt) {
        if (to - from != lt - lf) {
            return false;
        }
        for (int i = from, j = lf; i < to; i++, j++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lower.charAt(j)) {
                return false;
            }
        }
        return true;
    }
}
