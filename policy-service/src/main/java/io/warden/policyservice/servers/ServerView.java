package io.warden.policyservice.servers;

import java.time.Instant;
import java.util.Map;

/**
 * A server as the API shows it to every role: header values replaced by {@value #MASK}, and the values of the URL's
 * query parameters masked too (they are often credentials).
 */
public record ServerView(String id, String name, String url, String era, boolean http2, Map<String, String> headers,
                         Instant createdAt, Instant updatedAt) {
    public static final String MASK = "********";
}
