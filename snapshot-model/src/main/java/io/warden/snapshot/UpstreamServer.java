package io.warden.snapshot;

import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Map;

/**
 * An upstream MCP server as the gateway sees it. {@code headers} are injected into every upstream request;
 * {@code categories} pins the risk category of named tools, overriding what annotations and names suggest;
 * {@code era} is what the operator pinned the upstream's protocol era to ({@link EraPin#AUTO}: probe it);
 * {@code toolPins} which tool definitions were approved, when the server hides changed tools ({@link ToolPins});
 * {@code http2} that the upstream speaks HTTP/2: over {@code http} URLs cleartext h2c with prior knowledge (no upgrade
 * round trip), over {@code https} offered by ALPN (the upstream may still choose HTTP/1.1). False: HTTP/1.1 only.
 */
public record UpstreamServer(String id, String name, URI url, Map<String, String> headers, Map<String, String> categories,
                             EraPin era, ToolPins toolPins, boolean http2) {
    public UpstreamServer {
        headers = Map.copyOf(headers);
        categories = Map.copyOf(categories);
        era = era == null ? EraPin.AUTO : era;
        toolPins = toolPins == null ? ToolPins.NONE : toolPins;
    }

    public UpstreamServer(String id, String name, URI url, Map<String, String> headers, Map<String, String> categories,
                          EraPin era, ToolPins toolPins) {
        this(id, name, url, headers, categories, era, toolPins, false);
    }

    public UpstreamServer(String id, String name, URI url, Map<String, String> headers, Map<String, String> categories,
                          EraPin era) {
        this(id, name, url, headers, categories, era, ToolPins.NONE);
    }

    public UpstreamServer(String id, String name, URI url, Map<String, String> headers, Map<String, String> categories) {
        this(id, name, url, headers, categories, EraPin.AUTO);
    }

    public UpstreamServer(String id, String name, URI url, Map<String, String> headers) {
        this(id, name, url, headers, Map.of());
    }

    /** Fresh options for one request, from the already parsed URL (no string parsing per call). */
    public RequestOptions requestOptions() {
        return requestOptions(url);
    }

    /** Fresh options for a request to another URL of this upstream (e.g. the old transport's endpoints). */
    public static RequestOptions requestOptions(URI url) {
        boolean tls = "https".equals(url.getScheme());
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return new RequestOptions().setHost(url.getHost()).setPort(url.getPort() > 0 ? url.getPort() : tls ? 443 : 80)
                .setSsl(tls).setURI(path);
    }

    /** The same server with {@code http2} set as given. */
    public UpstreamServer withHttp2(boolean on) {
        return new UpstreamServer(id, name, url, headers, categories, era, toolPins, on);
    }

    /** Header values, user info and query string are secrets: never print them. */
    @Override
    public String toString() {
        return "UpstreamServer[" + id + " " + LogSafe.url(url) + " era=" + era.wire + (http2 ? " http2" : "")
                + " headers=" + headers.keySet() + "]";
    }
}
