package io.warden.bench.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The JSON-RPC bodies the driver sends, and the check that an answer is the right echo. */
final class McpMessages {

    private McpMessages() {
    }

    /**
     * A {@code tools/call} of {@code echo}. The message is plain ASCII chosen by the driver, so it is written into the
     * body without escaping; building the body costs the same for direct and gateway runs.
     */
    static Buffer echoCall(Target.Era era, long id, String message) {
        StringBuilder b = new StringBuilder(200)
                .append("{\"jsonrpc\":\"2.0\",\"id\":").append(id)
                .append(",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"")
                .append(message).append("\"}");
        if (era == Target.Era.MODERN) {
            b.append(",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"").append(era.version)
                    .append("\",\"io.modelcontextprotocol/clientCapabilities\":{}}");
        }
        return Buffer.buffer(b.append("}}").toString());
    }

    static Buffer initialize(String version) {
        return new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
                .put("params", new JsonObject()
                        .put("protocolVersion", version)
                        .put("capabilities", new JsonObject())
                        .put("clientInfo", new JsonObject().put("name", "warden-bench").put("version", "1.0.0")))
                .toBuffer();
    }

    static Buffer initialized() {
        return new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").toBuffer();
    }

    /**
     * Null when {@code body} answers call {@code id} with the echo of {@code message}; otherwise what is wrong. Handles a
     * plain JSON answer and an SSE stream whose events carry the answer.
     */
    static String checkEcho(int status, String contentType, Buffer body, long id, String message) {
        if (status != 200) {
            return "HTTP " + status + ": " + abbreviate(body.toString());
        }
        JsonObject answer;
        try {
            answer = contentType != null && contentType.startsWith("text/event-stream")
                    ? fromEvents(body.toString(), id)
                    : new JsonObject(body);
        } catch (RuntimeException e) {
            return "unreadable answer (" + e.getClass().getSimpleName() + "): " + abbreviate(body.toString());
        }
        if (answer == null) {
            return "no answer to id " + id + " in the event stream: " + abbreviate(body.toString());
        }
        Object gotId = answer.getValue("id");
        if (!(gotId instanceof Number n) || n.longValue() != id) {
            return "answer for id " + gotId + ", expected " + id;
        }
        JsonObject result = answer.getJsonObject("result");
        if (result == null) {
            return "no result: " + abbreviate(answer.encode());
        }
        if (Boolean.TRUE.equals(result.getBoolean("isError"))) {
            return "tool error: " + abbreviate(result.encode());
        }
        JsonArray content = result.getJsonArray("content");
        if (content == null || content.size() != 1 || !message.equals(content.getJsonObject(0).getString("text"))) {
            return "not the echo of '" + message + "': " + abbreviate(result.encode());
        }
        return null;
    }

    /** The event whose data is the JSON-RPC response with this id; other events (notifications) are skipped. */
    private static JsonObject fromEvents(String stream, long id) {
        StringBuilder data = new StringBuilder();
        for (String line : (stream + "\n\n").split("\r?\n", -1)) {
            if (line.startsWith("data:")) {
                data.append(data.length() > 0 ? "\n" : "").append(line.substring(line.startsWith("data: ") ? 6 : 5));
            } else if (line.isEmpty() && data.length() > 0) {
                JsonObject m = new JsonObject(data.toString());
                data.setLength(0);
                if (m.getValue("id") instanceof Number n && n.longValue() == id) {
                    return m;
                }
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
