package io.warden.policyservice.servers;

import java.time.Instant;

/** A stored upstream server (its headers live beside it, encrypted). */
public record Server(String id, String name, String url, String era, boolean http2, Instant createdAt,
                     Instant updatedAt) {
    /** The URL's query may carry credentials: never print it. */
    @Override
    public String toString() {
        return "Server[" + id + " era=" + era + "]";
    }
}
