package io.warden.gateway.policy;

import java.net.URI;
import java.util.Map;

/** An upstream MCP server as the gateway sees it. {@code headers} are injected into every upstream request. */
public record UpstreamServer(String id, String name, URI url, Map<String, String> headers) {
    public UpstreamServer {
        headers = Map.copyOf(headers);
    }

    /** Header values are secrets: never print them. */
    @Override
    public String toString() {
        return "UpstreamServer[" + id + " " + url + " headers=" + headers.keySet() + "]";
    }
}
