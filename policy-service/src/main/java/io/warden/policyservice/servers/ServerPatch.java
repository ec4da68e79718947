package io.warden.policyservice.servers;

import java.util.Map;

/**
 * A change to a server: absent fields stay as they are. In {@code headers}, a value sets that header and
 * {@code null} removes it; headers not named keep their (secret) values, so an update never has to resend them.
 */
public record ServerPatch(String name, String url, String era, Boolean http2, Map<String, String> headers) {
    @Override
    public String toString() {
        return "ServerPatch[" + (headers == null ? "" : headers.keySet()) + "]";
    }
}
