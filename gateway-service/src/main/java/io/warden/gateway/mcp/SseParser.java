package io.warden.gateway.mcp;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental text/event-stream parser (WHATWG rules): CRLF, LF or CR line ends, multi-line data,
 * {@code event}, {@code id}, {@code retry}, comments. Bytes arrive in arbitrary chunks; each complete
 * event is handed on as soon as its blank line arrives. Not thread-safe: one per stream.
 *
 * <p>The bound is in bytes as received (UTF-8), not in characters: an event of multi-byte characters cannot hold up to
 * four times the bound. {@link #bufferedBytes()} is what the parser holds now, for the pod's buffer budget.
 */
public final class SseParser {

    private final Consumer<SseEvent> sink;
    private final int maxEventBytes;
    /**
     * Beyond this many chars, the builders are dropped after each event rather than kept for reuse: a stream that once
     * carried one large event must not hold its size for as long as it stays open (thousands of idle streams per pod).
     */
    static final int RETAINED_CHARS = 1024;
    private StringBuilder raw = new StringBuilder();
    private StringBuilder line = new StringBuilder();
    private StringBuilder data;
    private String id;
    private String event;
    private String retry;
    private boolean sawField;
    private boolean lastWasCr;
    /** UTF-8 bytes of the event being assembled ({@code raw}). */
    private long rawBytes;
    private byte[] pending = new byte[0];

    public SseParser(int maxEventBytes, Consumer<SseEvent> sink) {
        this.maxEventBytes = maxEventBytes;
        this.sink = sink;
    }

    /** Feeds bytes. Returns false when an event grew beyond the bound (the stream should be cut). */
    public boolean feed(byte[] bytes) {
        // Keep an incomplete UTF-8 sequence for the next chunk.
        byte[] all = pending.length == 0 ? bytes : concat(pending, bytes);
        int cut = completeUtf8Prefix(all);
        pending = java.util.Arrays.copyOfRange(all, cut, all.length);
        String text = new String(all, 0, cut, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            rawBytes += utf8Length(c);
            if (lastWasCr && c == '\n') {
                lastWasCr = false;
                raw.append(c);
                continue;
            }
            lastWasCr = c == '\r';
            raw.append(c);
            if (c == '\n' || c == '\r') {
                endLine();
            } else {
                line.append(c);
            }
        }
        return rawBytes <= maxEventBytes;
    }

    /** Bytes held for the event not yet complete, including an incomplete UTF-8 sequence. */
    public long bufferedBytes() {
        return rawBytes + pending.length;
    }

    /** Chars the parser's builders keep allocated between events (for tests). */
    int retainedChars() {
        return raw.capacity() + line.capacity();
    }

    /** Bytes this char took in UTF-8: a surrogate pair (4 bytes) is two chars of 2. */
    private static int utf8Length(char c) {
        return c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }

    private void endLine() {
        if (line.length() == 0) {
            dispatch();
            return;
        }
        String l = line.toString();
        line.setLength(0);
        sawField = true;
        if (l.charAt(0) == ':') {
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            case "event" -> event = value;
            case "id" -> id = value;
            case "retry" -> retry = value;
            default -> { /* unknown fields are kept in raw and ignored, as the standard says */ }
        }
    }

    private void dispatch() {
        if (sawField) {
            sink.accept(new SseEvent(raw.toString(), id, event, data == null ? null : data.toString(), retry));
        } else if (raw.length() > 0) {
            // stray blank lines between events: relay them so the byte stream stays faithful
            sink.accept(new SseEvent(raw.toString(), null, null, null, null));
        }
        raw = raw.capacity() > RETAINED_CHARS ? new StringBuilder() : raw.delete(0, raw.length());
        if (line.capacity() > RETAINED_CHARS) {
            line = new StringBuilder();
        }
        rawBytes = 0;
        data = null;
        id = null;
        event = null;
        retry = null;
        sawField = false;
    }

    private static int completeUtf8Prefix(byte[] b) {
        int n = b.length;
        // walk back over at most 3 continuation bytes to the lead byte of the last sequence
        for (int back = 1; back <= Math.min(4, n); back++) {
            int x = b[n - back] & 0xFF;
            if ((x & 0xC0) == 0x80) {
                continue;
            }
            int need = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : x >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
