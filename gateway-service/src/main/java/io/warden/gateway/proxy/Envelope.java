package io.warden.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP+SSE POST on its way from the pod that received it to the pod holding the client's stream: what that pod
 * needs to run the pipeline. The grant travels as its token hash (what the snapshot is keyed by), never as the token.
 *
 * @param headers only the headers that travel upstream ({@link HttpGuard#travelsUpstream})
 * @param body    the JSON-RPC message as received
 */
record Envelope(String serverId, String grantTokenHash, MultiMap headers, byte[] body) {

    Buffer encode() {
        JsonArray h = new JsonArray();
        headers.forEach(e -> h.add(new JsonArray().add(e.getKey()).add(e.getValue())));
        return new JsonObject().put("server", serverId).put("grant", grantTokenHash).put("headers", h)
                .put("body", new String(body, StandardCharsets.UTF_8)).toBuffer();
    }

    /** Null when the buffer is not an envelope (a bug or a foreign publisher; never trusted further). */
    static Envelope decode(Buffer b) {
        try {
            JsonObject o = b.toJsonObject();
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            for (Object pair : o.getJsonArray("headers")) {
                JsonArray kv = (JsonArray) pair;
                headers.add(kv.getString(0), kv.getString(1));
            }
            String server = o.getString("server");
            String grant = o.getString("grant");
            String body = o.getString("body");
            return server == null || grant == null || body == null ? null
                    : new Envelope(server, grant, headers, body.getBytes(StandardCharsets.UTF_8));
        } catch (DecodeException | ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
            return null;
        }
    }
}
