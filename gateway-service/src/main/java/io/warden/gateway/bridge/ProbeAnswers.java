package io.warden.gateway.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.SseParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the upstream's answers to the era probe (T-L4). Pure: the I/O lives in {@code proxy.UpstreamEras}.
 *
 * <p>Each answer is one of three things: a clear yes, a clear no, or inconclusive (a 5xx, garbage, a cut
 * stream). Only yes and no are cached; an inconclusive probe leaves the gateway relaying as before, so a
 * flaky upstream is never pinned to a wrong era.
 */
public final class ProbeAnswers {

    /** Error codes only a 2026-07-28 server sends: header mismatch, missing capability, unsupported version. */
    private static final int MODERN_CODE_MIN = -32022;
    private static final int MODERN_CODE_MAX = -32020;

    private ProbeAnswers() {}

    public enum Kind { YES, NO, INCONCLUSIVE }

    /** One probe step's reading; {@code result} is the JSON-RPC result on a yes. */
    public record Answer(Kind kind, JsonNode result) {
        static final Answer NO = new Answer(Kind.NO, null);
        static final Answer INCONCLUSIVE = new Answer(Kind.INCONCLUSIVE, null);

        public boolean yes() {
            return kind == Kind.YES;
        }
    }

    /**
     * The answer to a modern {@code server/discover} POST. A discover result means modern; a 4xx with a
     * modern JSON-RPC error (e.g. {@code -32022} listing the versions it supports) also means modern, but
     * without a result. Any other 4xx, empty or not, means "not modern" (the spec's fallback rule).
     */
    public static Answer discover(int status, String contentType, String body) {
        if (status >= 500 || status < 200) {
            return Answer.INCONCLUSIVE;
        }
        JsonNode msg = message(contentType, body);
        if (status / 100 == 2) {
            if (msg == null) {
                return Answer.INCONCLUSIVE;
            }
            JsonNode result = msg.get("result");
            if (result != null && result.path("supportedVersions").isArray()) {
                return new Answer(Kind.YES, result);
            }
            return Answer.NO; // a legacy server answering a discover in-band with "method not found" or similar
        }
        if (status / 100 == 4 && msg != null) {
            int code = msg.path("error").path("code").asInt(0);
            if (code >= MODERN_CODE_MIN && code <= MODERN_CODE_MAX) {
                return new Answer(Kind.YES, null);
            }
        }
        return status / 100 == 4 ? Answer.NO : Answer.INCONCLUSIVE;
    }

    /** The answer to a legacy {@code initialize} POST: an InitializeResult means legacy. */
    public static Answer initialize(int status, String contentType, String body) {
        if (status >= 500 || status < 200) {
            return Answer.INCONCLUSIVE;
        }
        if (status / 100 == 4) {
            return Answer.NO;
        }
        JsonNode msg = message(contentType, body);
        if (msg == null) {
            return status / 100 == 2 ? Answer.INCONCLUSIVE : Answer.NO;
        }
        JsonNode result = msg.get("result");
        if (result != null && result.path("protocolVersion").isTextual()) {
            return new Answer(Kind.YES, result);
        }
        return Answer.NO;
    }

    /** The first bytes of a GET on the old transport's SSE URL: an {@code endpoint} event means HTTP+SSE. */
    public static boolean endpointEvent(String firstBytes) {
        if (firstBytes == null) {
            return false;
        }
        for (String line : firstBytes.split("\r?\n")) {
            if (line.startsWith("event:") && line.substring(6).trim().equals("endpoint")) {
                return true;
            }
        }
        return false;
    }

    /** The JSON-RPC message of a JSON body, or the first JSON-RPC response of an SSE body; null when neither. */
    public static JsonNode message(String contentType, String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            List<JsonNode> responses = new ArrayList<>();
            SseParser parser = new SseParser(Integer.MAX_VALUE, e -> {
                JsonRpc.Message m = e.hasData() ? JsonRpc.parseUpstream(e.data()) : null;
                if (m != null && m.isResponse()) {
                    responses.add(m.raw());
                }
            });
            parser.feed((body + "\n\n").getBytes(StandardCharsets.UTF_8)); // the blank lines end a last, unterminated event
            return responses.isEmpty() ? null : responses.get(0);
        }
        JsonRpc.Message m = JsonRpc.parseUpstream(body);
        return m == null ? null : m.raw();
    }
}
