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
        if (ct == null || !ct.toLowerCase(Locale.ROOT).trim().startsWith("application/json")) {
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

    static boolean accepts(String accept, String type) {
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String t = part.split(";")[0].trim().toLowerCase(Locale.ROOT);
            if (t.equals(type) || t.equals("*/*") || t.equals(type.substring(0, type.indexOf('/')) + "/*")) {
                return true;
            }
        }
        return false;
    }
}
