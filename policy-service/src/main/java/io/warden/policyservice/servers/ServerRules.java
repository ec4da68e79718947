package io.warden.policyservice.servers;

import io.warden.policyservice.web.Checks;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** What a server's fields must look like, and how its URL is shown. Pure logic. */
public final class ServerRules {
    static final Set<String> ERAS = Set.of("auto", "modern", "legacy", "dual", "http+sse");
    static final int MAX_HEADERS = 32;
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    /** Headers the gateway owns on the upstream hop: an operator value would break framing or MCP routing. */
    private static final Set<String> RESERVED = Set.of("host", "content-length", "content-type", "transfer-encoding",
            "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "accept", "last-event-id",
            "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name");

    private ServerRules() {
    }

    public static void url(Checks checks, String url) {
        if (!checks.present(url, "/url")) {
            return;
        }
        String problem = urlProblem(url);
        checks.require(problem == null, "/url", problem);
    }

    private static String urlProblem(String url) {
        if (url.length() > 2000) {
            return "must be at most 2000 characters";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "not a valid URL";
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            return "must be an absolute http:// or https:// URL";
        }
        if (uri.getHost() == null) {
            return "must name a host";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry credentials; send them as a header instead";
        }
        if (uri.getRawFragment() != null) {
            return "must not have a fragment";
        }
        return null;
    }

    public static void era(Checks checks, String era) {
        if (era != null) {
            checks.require(ERAS.contains(era), "/era", "must be one of auto, modern, legacy, dual, http+sse");
        }
    }

    /** Names and values of headers being set; {@code allowNull} for a patch, where null removes. */
    public static void headers(Checks checks, Map<String, String> headers, boolean allowNull) {
        if (headers == null) {
            return;
        }
        checks.require(headers.size() <= MAX_HEADERS, "/headers", "at most " + MAX_HEADERS + " headers");
        Set<String> seen = new HashSet<>();
        headers.forEach((name, value) -> {
            String pointer = "/headers/" + Checks.escape(name);
            if (!HEADER_NAME.matcher(name).matches()) {
                checks.require(false, pointer, "not a valid HTTP header name");
                return;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            checks.require(!RESERVED.contains(lower), pointer, "the gateway sets this header itself");
            checks.require(seen.add(lower), pointer, "the same header is named twice (header names ignore case)");
            if (value == null) {
                checks.require(allowNull, pointer, "required (a header value)");
                return;
            }
            checks.require(!value.isEmpty() && value.length() <= 8192, pointer, "must be 1 to 8192 characters");
            checks.require(value.chars().noneMatch(ch -> ch == '\r' || ch == '\n' || ch == 0), pointer,
                    "must not contain line breaks or NUL");
        });
    }

    /** The URL with every query parameter's value masked: upstream URLs sometimes carry keys in the query. */
    static String shownUrl(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        StringBuilder shown = new StringBuilder(url.substring(0, q + 1));
        String[] params = url.substring(q + 1).split("&", -1);
        for (int i = 0; i < params.length; i++) {
            if (i > 0) {
                shown.append('&');
            }
            int eq = params[i].indexOf('=');
            shown.append(eq < 0 ? params[i] : params[i].substring(0, eq + 1) + ServerView.MASK);
        }
        return shown.toString();
    }
}
