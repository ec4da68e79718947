package io.warden.gateway.mcp;

/**
 * One server-sent event as it arrived. {@code raw} is the exact text including the blank line that
 * ended it, so an event no hook changes is relayed byte for byte. A comment-only block (keep-alive)
 * has no fields and {@code data == null}; a priming event has an id and empty data.
 */
public record SseEvent(String raw, String id, String event, String data, String retry) {

    public boolean hasData() {
        return data != null && !data.isEmpty();
    }

    /** The same event with new data; id, event and retry are kept. */
    public SseEvent withData(String newData) {
        StringBuilder sb = new StringBuilder();
        if (event != null) {
            sb.append("event: ").append(event).append('\n');
        }
        if (id != null) {
            sb.append("id: ").append(id).append('\n');
        }
        if (retry != null) {
            sb.append("retry: ").append(retry).append('\n');
        }
        for (String line : newData.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        sb.append('\n');
        return new SseEvent(sb.toString(), id, event, newData, retry);
    }

    public static SseEvent message(String data) {
        return new SseEvent(null, null, "message", null, null).withData(data);
    }
}
