package io.warden.policyservice.policies;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * policy-service's name for {@link io.warden.snapshot.CanonicalJson}, which lives in snapshot-model so that gateways
 * hash tool definitions exactly as the inventory does. Kept so its many callers need no edit.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static JsonNode parse(String json) {
        return io.warden.snapshot.CanonicalJson.parse(json);
    }

    public static String write(JsonNode node) {
        return io.warden.snapshot.CanonicalJson.write(node);
    }

    /** {@code sha256:} + lowercase hex of the canonical text's UTF-8 bytes. */
    public static String hash(JsonNode node) {
        return io.warden.snapshot.CanonicalJson.hash(node);
    }
}
