package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import java.util.Set;

/**
 * What the gate refuses before it asks the policy anything: messages whose shape would let them run without being
 * judged. A request method sent as a notification (no id) would reach the upstream with no answer to deny; a governed
 * request whose name or uri is not a string has nothing for the policy to judge, while an upstream that coerces it may
 * still run it. Both fail closed. Pure.
 */
public final class RequestShape {

    /** Rule ids the decision log shows for the two refusals. */
    public static final String NOTIFICATION_RULE = "(request sent as notification)";
    public static final String MALFORMED_RULE = "(malformed params)";

    /** Governed requests whose target is {@code params.name}, and whose {@code params.arguments} is an object. */
    private static final Set<String> NAMED = Set.of("tools/call", "prompts/get");
    /** Governed requests whose target is {@code params.uri}. */
    private static final Set<String> BY_URI = Set.of("resources/read", "resources/subscribe", "resources/unsubscribe");
    /**
     * Of those, the ones 2026-07-28 removed: whatever their params, a modern upstream answers them 404 {@code -32601}
     * (and the era bridge does the same for a legacy-only one), which clients of that revision rely on.
     */
    private static final Set<String> REMOVED_IN_MODERN = Set.of("resources/subscribe", "resources/unsubscribe");

    private RequestShape() {}

    /** Why a message is refused, as the JSON-RPC error to answer. */
    public record Refusal(Kind kind, int code, String message) {
        public String rule() {
            return kind == Kind.NOTIFICATION ? NOTIFICATION_RULE : MALFORMED_RULE;
        }
    }

    public enum Kind {
        /** A request method without an id: answered with HTTP 400 and an error without id. */
        NOTIFICATION("notification_refused"),
        /** A governed request whose params the gate cannot judge: {@code -32602}. */
        MALFORMED("malformed_params");

        /** The metric and log tag. */
        public final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    /** The refusal for {@code m}, or null when its shape is one the gate can judge (or needs no judging). */
    public static Refusal check(JsonRpc.Message m) {
        String method = m.method();
        if (method == null) {
            return null; // a response to a server request
        }
        if (m.id() == null) {
            return method.startsWith("notifications/") ? null : new Refusal(Kind.NOTIFICATION, JsonRpc.INVALID_REQUEST,
                    "Invalid Request: " + JsonRpc.printable(method) + " must be sent as a request with an \"id\";"
                            + " only notifications/* methods may be sent as notifications");
        }
        if (NAMED.contains(method)) {
            return named(method, m.params());
        }
        if (BY_URI.contains(method) && !(REMOVED_IN_MODERN.contains(method) && Protocol.metaVersion(m) != null)) {
            return byUri(method, m.params());
        }
        return null;
    }

    private static Refusal named(String method, JsonNode params) {
        if (params == null) {
            return malformed("params (an object with \"name\") is required for " + method);
        }
        JsonNode name = params.get("name");
        if (name == null || !name.isTextual()) {
            return malformed("params.name must be a string for " + method);
        }
        JsonNode arguments = params.get("arguments");
        if (arguments != null && !arguments.isObject()) {
            return malformed("params.arguments must be an object when present");
        }
        return null;
    }

    private static Refusal byUri(String method, JsonNode params) {
        JsonNode uri = params == null ? null : params.get("uri");
        if (uri == null || !uri.isTextual()) {
            return malformed("params.uri must be a string for " + method);
        }
        return null;
    }

    private static Refusal malformed(String why) {
        return new Refusal(Kind.MALFORMED, JsonRpc.INVALID_PARAMS, "Invalid params: " + why);
    }
}
