package io.warden.policyservice.servers;

import java.util.Map;

/**
 * A new server. {@code era}: {@code auto} (default), {@code modern}, {@code legacy}, {@code dual} or
 * {@code http+sse}. {@code http2}: the gateway speaks HTTP/2 to the upstream (default false, HTTP/1.1).
 * {@code headers} are sent upstream on every request; their values are secrets.
 */
public record ServerInput(String id, String name, String url, String era, Boolean http2,
                          Map<String, String> headers) {
    @Override
    public String toString() {
        return "ServerInput[" + id + "]";
    }
}
