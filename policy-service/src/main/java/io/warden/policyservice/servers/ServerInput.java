package io.warden.policyservice.servers;

import java.util.Map;

/**
 * A new server. {@code era}: {@code auto} (default), {@code modern}, {@code legacy}, {@code dual} or
 * {@code http+sse}. {@code headers} are sent upstream on every request; their values are secrets.
 */
public record ServerInput(String id, String name, String url, String era, Map<String, String> headers) {
    @Override
    public String toString() {
        return "ServerInput[" + id + "]";
    }
}
