package io.warden.gateway.mcp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads an upstream body or SSE event's data as JSON, telling apart text that is exactly one JSON value from text a
 * forgiving reader accepts (duplicate member names, content after the value). Only exact text may reach a client byte
 * for byte once it was inspected: with duplicates, another parser may read another value than the one judged. Pure.
 */
public final class UpstreamJson {

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private UpstreamJson() {}

    /**
     * One upstream text read as JSON. {@code exact}: it is one JSON value without duplicate member names and nothing
     * after it, so the tree says all a client can read from it. {@code message}: the tree as a JSON-RPC message, or
     * null when it is not one (an array, another value, a malformed envelope).
     */
    public record Read(JsonNode tree, boolean exact, JsonRpc.Message message) {}

    /**
     * Null when the text is not JSON at all (nor JSON followed by something else). Bytes are read as UTF-8 with
     * replacement, as the relay always read them, so a stray invalid byte in a string does not make an answer unreadable.
     */
    public static Read read(byte[] bytes) {
        return read(new String(bytes, StandardCharsets.UTF_8));
    }

    /** {@link #read(byte[])} for text already decoded (an SSE event's data). */
    public static Read read(String text) {
        try {
            return read(STRICT.readTree(text), true);
        } catch (IOException strictFailed) {
            try {
                return read(JsonRpc.MAPPER.readTree(text), false);
            } catch (IOException notJson) {
                return null;
            }
        }
    }

    private static Read read(JsonNode tree, boolean exact) {
        if (tree == null || tree.isMissingNode()) {
            return null;
        }
        JsonRpc.Message message = tree instanceof ObjectNode o && JsonRpc.validate(o) instanceof JsonRpc.Ok ok ? ok.message() : null;
        return new Read(tree, exact, message);
    }
}
