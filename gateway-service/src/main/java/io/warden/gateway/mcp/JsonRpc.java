package io.warden.gateway.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** JSON-RPC 2.0 envelopes: parsing a message and shaping error answers. Pure, no I/O. */
public final class JsonRpc {

    /** For the gateway's own JSON and for upstream answers: lenient, as Jackson is by default. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * For client bodies only: the gateway judges the tree it reads while the upstream receives the raw bytes, so a body
     * that two parsers could read differently (a key given twice, content after the value) is refused, not guessed at.
     */
    private static final ObjectMapper CLIENT = new ObjectMapper(
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** Generic "bad request" used by the legacy SDKs in HTTP error bodies. */
    public static final int BAD_REQUEST = -32000;
    /** 2026-07-28: a routing header disagrees with the body, or is missing or malformed. */
    public static final int HEADER_MISMATCH = -32020;
    public static final int MISSING_CAPABILITY = -32021;
    public static final int UNSUPPORTED_VERSION = -32022;

    private JsonRpc() {}

    /** One parsed message. {@code id} is null for notifications and unparseable input. */
    public record Message(ObjectNode raw, JsonNode id, String method, JsonNode params) {
        public boolean isRequest() {
            return method != null && id != null;
        }

        public boolean isNotification() {
            return method != null && id == null;
        }

        public boolean isResponse() {
            return method == null && (raw.has("result") || raw.has("error"));
        }

        /** {@code params.name} (tools/call, prompts/get) or {@code params.uri} (resources/read), else null. */
        public String target() {
            if (params == null) {
                return null;
            }
            JsonNode n = params.get("resources/read".equals(method) ? "uri" : "name");
            return n != null && n.isTextual() ? n.asText() : null;
        }

        public JsonNode meta() {
            return params == null ? null : params.get("_meta");
        }
    }

    public sealed interface Parsed permits Ok, Bad {}

    public record Ok(Message message) implements Parsed {}

    public record Bad(int httpStatus, ObjectNode error) implements Parsed {}

    /**
     * Parses a client's message (a POST body). Every rejection carries the answer to send. Strict: exactly one JSON value
     * in UTF-8, no key twice in any object, nothing but whitespace after it, so that the upstream, whatever its parser,
     * reads the same message the policy judged.
     */
    public static Parsed parse(byte[] body) {
        if (!plainUtf8(body)) {
            return new Bad(400, error(null, PARSE_ERROR, "Parse error: the body must be UTF-8 JSON without a byte order mark"));
        }
        JsonNode root;
        try (JsonParser p = CLIENT.createParser(body)) {
            root = CLIENT.readTree(p);
            if (root != null && !onlyWhitespaceLeft(p)) {
                return new Bad(400, error(null, PARSE_ERROR, "Parse error: trailing content after the JSON value"));
            }
        } catch (JsonParseException e) {
            String duplicate = duplicateKey(e);
            return new Bad(400, error(null, PARSE_ERROR, duplicate != null
                    ? "Parse error: duplicate key \"" + printable(duplicate) + "\""
                    : "Parse error: the body is not valid JSON"));
        } catch (JsonProcessingException e) {
            return new Bad(400, error(null, PARSE_ERROR, "Parse error: the body is not valid JSON"));
        } catch (java.io.IOException e) {
            return new Bad(400, error(null, PARSE_ERROR, "Parse error: " + e.getClass().getSimpleName()));
        }
        if (root == null || root.isMissingNode()) {
            return new Bad(400, error(null, PARSE_ERROR, "Parse error: the body is empty"));
        }
        if (root.isArray()) {
            return new Bad(400, error(null, INVALID_REQUEST,
                    "Invalid Request: JSON-RPC batches are not supported (removed from MCP in 2025-06-18); send one message per POST"));
        }
        if (!root.isObject()) {
            return new Bad(400, error(null, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC object"));
        }
        Parsed parsed = validate((ObjectNode) root);
        return parsed instanceof Ok ok ? clientShape(ok) : parsed;
    }

    /**
     * What a client may send beyond what {@link #validate} asks of any message: one reading only. A message that names a
     * method and also carries a result is a request to one parser and a response to another; a response needs the id
     * of the request it answers; an integer id beyond 2^53 comes back from a JavaScript upstream as another number, and
     * an answer the gateway cannot match to its request would pass its hooks unchecked. (Upstream messages are not held to this: what they send is relayed as before.)
     */
    private static Parsed clientShape(Ok ok) {
        Message m = ok.message();
        if (m.id() != null && m.id().isIntegralNumber() && !safeInteger(m.id())) {
            return new Bad(400, error(null, INVALID_REQUEST, "Invalid Request: an integer \"id\" must lie within"
                    + " \u00b1(2^53 - 1), so that every JSON parser reads the same number; use a string id"));
        }
        boolean result = m.raw().has("result");
        boolean error = m.raw().has("error");
        if (m.method() != null && (result || error)) {
            return new Bad(400, error(m.id(), INVALID_REQUEST,
                    "Invalid Request: a message with a \"method\" cannot also carry \"result\" or \"error\""));
        }
        if (m.method() == null && result && error) {
            return new Bad(400, error(m.id(), INVALID_REQUEST, "Invalid Request: a response carries \"result\" or \"error\", not both"));
        }
        if (m.method() == null && m.id() == null) {
            return new Bad(400, error(null, INVALID_REQUEST, "Invalid Request: a response needs the \"id\" of the request it answers"));
        }
        return ok;
    }

    /** JavaScript's safe integers: an upstream in JavaScript reads a larger id as another number and answers with that. */
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private static boolean safeInteger(JsonNode id) {
        return id.canConvertToLong() && id.longValue() >= -MAX_SAFE_INTEGER && id.longValue() <= MAX_SAFE_INTEGER;
    }

    /**
     * Jackson guesses UTF-16 and UTF-32 from zero bytes at the start and skips a UTF-8 byte order mark; other parsers do
     * neither. MCP messages are UTF-8, so both are refused. Past the first four bytes a zero byte is invalid JSON anyway.
     */
    private static boolean plainUtf8(byte[] body) {
        for (int i = 0; i < Math.min(4, body.length); i++) {
            if (body[i] == 0) {
                return false;
            }
        }
        return !(body.length > 0 && ((body[0] & 0xFF) == 0xEF || (body[0] & 0xFF) == 0xFE || (body[0] & 0xFF) == 0xFF));
    }

    private static boolean onlyWhitespaceLeft(JsonParser p) {
        try {
            return p.nextToken() == null;
        } catch (java.io.IOException e) {
            return false; // something that is not even a token follows
        }
    }

    /** The key Jackson's duplicate detection named, else null. */
    private static String duplicateKey(JsonParseException e) {
        String m = e.getOriginalMessage();
        String prefix = "Duplicate field '";
        if (m == null || !m.startsWith(prefix) || !m.endsWith("'")) {
            return null;
        }
        return m.substring(prefix.length(), m.length() - 1);
    }

    /** Client-chosen text echoed in an error: cut, and limited to printable ASCII; "" for null. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return new String(cut.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII).replaceAll("[^\\x20-\\x7E…]", "?");
    }

    /** The answer to a request for a protocol revision the gateway does not speak: {@code -32022} with what it does. */
    public static ObjectNode unsupportedVersion(JsonNode id, String requested, String supported) {
        ObjectNode data = NODES.objectNode();
        data.putArray("supported").add(supported);
        data.put("requested", requested);
        return error(id, UNSUPPORTED_VERSION, "Unsupported protocol version: " + requested, data);
    }

    static Parsed validate(ObjectNode o) {
        JsonNode id = o.get("id");
        JsonNode idForError = id != null && (id.isTextual() || id.isIntegralNumber()) ? id : null;
        if (!"2.0".equals(o.path("jsonrpc").asText(null))) {
            return new Bad(400, error(idForError, INVALID_REQUEST, "Invalid Request: \"jsonrpc\" must be \"2.0\""));
        }
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            return new Bad(400, error(null, INVALID_REQUEST, "Invalid Request: \"id\" must be a string or an integer"));
        }
        JsonNode method = o.get("method");
        if (method != null && !method.isTextual()) {
            return new Bad(400, error(idForError, INVALID_REQUEST, "Invalid Request: \"method\" must be a string"));
        }
        JsonNode params = o.get("params");
        if (params != null && !params.isObject() && !params.isNull()) {
            return new Bad(400, error(idForError, INVALID_REQUEST, "Invalid Request: \"params\" must be an object"));
        }
        if (method == null && !(o.has("result") || o.has("error"))) {
            return new Bad(400, error(idForError, INVALID_REQUEST, "Invalid Request: neither a request, a notification nor a response"));
        }
        return new Ok(new Message(o, id, method == null ? null : method.asText(), params == null || params.isNull() ? null : params));
    }

    /** Parses one message from an upstream stream; null when it is not a JSON-RPC object. */
    public static Message parseUpstream(String data) {
        try {
            JsonNode n = MAPPER.readTree(data);
            if (n instanceof ObjectNode o && validate(o) instanceof Ok ok) {
                return ok.message();
            }
        } catch (java.io.IOException e) {
            // not JSON: relayed untouched, the client judges it
        }
        return null;
    }

    /**
     * The id of a plain successful response, read without building a tree: {@code result} is skipped over, not parsed
     * into nodes. See {@link #plainResult(byte[], int, int)}.
     */
    public record PlainResult(JsonNode id) {}

    /**
     * A quick look at an upstream message that is most likely the answer to a call: when it is a JSON object with
     * {@code "jsonrpc":"2.0"}, a string or integer {@code id} (or none), a {@code result}, and no {@code method},
     * {@code params} or {@code error} member (in any case), no {@code tools} in its result, and nothing but whitespace
     * follows it, returns its id (null when it has
     * none) as {@link #parseUpstream} would have parsed it. Anything else, including input that is not valid JSON,
     * returns null: the caller then parses the message in full, which decides as before.
     *
     * <p>Every message this accepts is one {@link #parseUpstream} accepts as a response with the same id.
     */
    public static PlainResult plainResult(byte[] data, int offset, int length) {
        return PlainResultScan.scan(data, offset, length);
    }

    /** {@link #plainResult(byte[], int, int)} for an SSE event's data. */
    public static PlainResult plainResult(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return PlainResultScan.scan(bytes, 0, bytes.length);
    }

    public static ObjectNode error(JsonNode id, int code, String message) {
        return error(id, code, message, null);
    }

    public static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode e = NODES.objectNode();
        e.put("code", code);
        e.put("message", message);
        if (data != null) {
            e.set("data", data);
        }
        ObjectNode o = NODES.objectNode();
        o.put("jsonrpc", "2.0");
        o.set("id", id == null ? NullNode.getInstance() : id);
        o.set("error", e);
        return o;
    }

    public static ObjectNode result(JsonNode id, ObjectNode result) {
        ObjectNode o = NODES.objectNode();
        o.put("jsonrpc", "2.0");
        o.set("id", id);
        o.set("result", result);
        return o;
    }

    public static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
