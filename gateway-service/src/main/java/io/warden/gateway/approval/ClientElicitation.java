package io.warden.gateway.approval;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whether a client may be sent a form elicitation. Modern clients declare their capabilities on every request (in
 * {@code _meta}); 2025-era clients once, at {@code initialize}, so the gateway keeps the answer in the session token it
 * mints: a suffix on the client's protocol version there (the token's format stays the same, the field is the gateway's
 * own and nothing else reads it).
 */
public final class ClientElicitation {

    static final String MARK = ";elicitation";

    private ClientElicitation() {}

    /**
     * True when {@code capabilities} declares elicitation in form mode: {@code elicitation: {}} (form only, the
     * 2025-06-18 shape) or {@code elicitation: {form: {...}}}. A client that declared only {@code url} gets no form.
     */
    public static boolean declaresForm(JsonNode capabilities) {
        JsonNode e = capabilities == null ? null : capabilities.get("elicitation");
        if (e == null || !e.isObject()) {
            return false;
        }
        return e.isEmpty() || e.get("form") instanceof com.fasterxml.jackson.databind.node.ObjectNode
                || !e.has("url") && !e.has("form");
    }

    /** The client version to keep in the session token of a legacy session opened by {@code initializeParams}. */
    public static String markVersion(String version, JsonNode initializeParams) {
        return initializeParams != null && declaresForm(initializeParams.get("capabilities")) ? version + MARK : version;
    }

    /** True when the session's client version says the client declared form elicitation at initialize. */
    public static boolean marked(String sessionClientVersion) {
        return sessionClientVersion != null && sessionClientVersion.endsWith(MARK);
    }

    /** The protocol version without the mark (what the upstream negotiated). */
    public static String plain(String version) {
        return marked(version) ? version.substring(0, version.length() - MARK.length()) : version;
    }
}
