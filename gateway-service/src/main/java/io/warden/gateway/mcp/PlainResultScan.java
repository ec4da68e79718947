package io.warden.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * Recognises a plain successful JSON-RPC response in UTF-8 bytes without building anything: one pass that checks the
 * whole text is JSON, reads the top-level member names, the {@code jsonrpc} string and the {@code id}, and skips every
 * other value. Pure; see {@link JsonRpc#plainResult(byte[], int, int)} for what it accepts.
 *
 * <p>It is deliberately stricter than the full parse: whatever it is unsure of (escapes in member names or in the id,
 * non-ASCII ids, fractional or huge ids, nesting deeper than {@link #MAX_DEPTH}, very long names or numbers, a byte-order
 * mark) it declines, and the caller parses in full. So every message it accepts is one the full parse accepts with the
 * same id, never the other way round.
 *
 * <p>A result with a {@code tools} member is never plain, nor is an envelope name in another case: every tool list
 * passes the hidden-tools filter, whichever request it answers.
 */
final class PlainResultScan {

    /** Deeper nesting is left to the full parse (which has its own, larger, limit). */
    static final int MAX_DEPTH = 64;
    /** Longer member names and numbers are left to the full parse (which limits them too). */
    private static final int MAX_NAME_BYTES = 10_000;
    private static final int MAX_NUMBER_BYTES = 100;
    /** The envelope's member names (the exact ones are handled one by one; other cases of them are declined). */
    private static final String[] ENVELOPE = {"jsonrpc", "id", "result", "error", "method", "params"};
    /** Marks "not a plain result, or not sure" while scanning. */
    private static final int NO = -1;

    private final byte[] b;
    private final int end;
    private int pos;

    private PlainResultScan(byte[] data, int offset, int length) {
        this.b = data;
        this.pos = offset;
        this.end = offset + length;
    }

    /** The id of a plain result wrapped in a {@link JsonRpc.PlainResult}, or null: not one, or not sure. */
    static JsonRpc.PlainResult scan(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            return null;
        }
        return new PlainResultScan(data, offset, length).envelope();
    }

    private JsonRpc.PlainResult envelope() {
        if (!skipSpace() || b[pos] != '{') {
            return null;
        }
        pos++;
        boolean version = false;
        boolean result = false;
        JsonNode id = null;
        if (!skipSpace()) {
            return null;
        }
        if (b[pos] == '}') {
            return null; // {} has no result
        }
        while (true) {
            if (b[pos] != '"') {
                return null;
            }
            int nameStart = pos + 1;
            if (skipString(true) == NO) {
                return null;
            }
            int nameEnd = pos - 1;
            if (!plainName(nameStart, nameEnd)) {
                return null; // an escaped or non-ASCII name may spell "error" or "id": the full parse decodes it
            }
            if (!skipSpace() || b[pos] != ':') {
                return null;
            }
            pos++;
            if (!skipSpace()) {
                return null;
            }
            if (is("jsonrpc", nameStart, nameEnd)) {
                int valueStart = pos + 1;
                if (b[pos] == '"') {
                    if (skipString(false) == NO) {
                        return null;
                    }
                    version = is("2.0", valueStart, pos - 1);
                } else if (skipValue(1) == NO) {
                    return null;
                } else {
                    version = false;
                }
            } else if (is("id", nameStart, nameEnd)) {
                id = id();
                if (id == null) {
                    return null;
                }
            } else if (is("result", nameStart, nameEnd)) {
                if ((b[pos] == '{' ? skipResultObject() : skipValue(1)) == NO) {
                    return null;
                }
                result = true;
            } else if (is("method", nameStart, nameEnd) || is("params", nameStart, nameEnd) || is("error", nameStart, nameEnd)
                    || isIgnoringCase(nameStart, nameEnd)) {
                return null; // "Result", "ID": a case-insensitive reader takes them for the real ones
            } else if (skipValue(1) == NO) {
                return null;
            }
            if (!skipSpace()) {
                return null;
            }
            if (b[pos] == '}') {
                pos++;
                break;
            }
            if (b[pos] != ',') {
                return null;
            }
            pos++;
            if (!skipSpace()) {
                return null;
            }
        }
        // Only whitespace may follow the object.
        if (skipSpace() || !version || !result) {
            return null;
        }
        return new JsonRpc.PlainResult(id);
    }

    /** A string id of printable ASCII without escapes, or an integer of at most 18 digits, as the full parse types it. */
    private JsonNode id() {
        int start = pos;
        if (b[pos] == '"') {
            if (skipString(false) == NO) {
                return null;
            }
            for (int i = start + 1; i < pos - 1; i++) {
                if (b[i] == '\\' || b[i] < 0x20) { // escapes, and (as bytes are signed) anything non-ASCII
                    return null;
                }
            }
            return JsonRpc.NODES.textNode(new String(b, start + 1, pos - start - 2, StandardCharsets.US_ASCII));
        }
        if (b[pos] != '-' && (b[pos] < '0' || b[pos] > '9')) {
            return null;
        }
        if (skipNumber() == NO) {
            return null;
        }
        long value = 0;
        boolean negative = b[start] == '-';
        int digits = 0;
        for (int i = negative ? start + 1 : start; i < pos; i++) {
            if (b[i] < '0' || b[i] > '9' || ++digits > 18) {
                return null; // a fraction or exponent, or a long number: the full parse decides its type
            }
            value = value * 10 + (b[i] - '0');
        }
        value = negative ? -value : value;
        return value == (int) value ? JsonRpc.NODES.numberNode((int) value) : JsonRpc.NODES.numberNode(value);
    }

    /**
     * Skips a result object, which is never plain when it has a {@code tools} member (in any case, or spelled with
     * escapes or non-ASCII letters that may fold to it): every tool list is filtered, whatever request it answers.
     */
    private int skipResultObject() {
        pos++;
        if (!skipSpace()) {
            return NO;
        }
        if (b[pos] == '}') {
            pos++;
            return 0;
        }
        while (true) {
            int nameStart = pos + 1;
            if (b[pos] != '"' || skipString(true) == NO || !plainName(nameStart, pos - 1)
                    || equalsIgnoreCase("tools", nameStart, pos - 1) || !skipSpace() || b[pos] != ':') {
                return NO;
            }
            pos++;
            if (!skipSpace() || skipValue(2) == NO || !skipSpace()) {
                return NO;
            }
            if (b[pos] == '}') {
                pos++;
                return 0;
            }
            if (b[pos] != ',') {
                return NO;
            }
            pos++;
            if (!skipSpace()) {
                return NO;
            }
        }
    }

    /** A member name without escapes and in ASCII, so it reads the same to every parser and folds only as ASCII does. */
    private boolean plainName(int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\\' || b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** A top-level name that is one of the envelope's in another case. */
    private boolean isIgnoringCase(int from, int to) {
        for (String envelope : ENVELOPE) {
            if (equalsIgnoreCase(envelope, from, to)) {
                return true;
            }
        }
        return false;
    }

    private boolean equalsIgnoreCase(String ascii, int from, int to) {
        if (to - from != ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (Character.toLowerCase((char) b[from + i]) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Skips any JSON value; returns NO when it is malformed or nested too deeply. */
    private int skipValue(int depth) {
        if (depth > MAX_DEPTH) {
            return NO;
        }
        switch (b[pos]) {
            case '{' -> {
                pos++;
                if (!skipSpace()) {
                    return NO;
                }
                if (b[pos] == '}') {
                    pos++;
                    return 0;
                }
                while (true) {
                    if (b[pos] != '"' || skipString(true) == NO || !skipSpace() || b[pos] != ':') {
                        return NO;
                    }
                    pos++;
                    if (!skipSpace() || skipValue(depth + 1) == NO || !skipSpace()) {
                        return NO;
                    }
                    if (b[pos] == '}') {
                        pos++;
                        return 0;
                    }
                    if (b[pos] != ',') {
                        return NO;
                    }
                    pos++;
                    if (!skipSpace()) {
                        return NO;
                    }
                }
            }
            case '[' -> {
                pos++;
                if (!skipSpace()) {
                    return NO;
                }
                if (b[pos] == ']') {
                    pos++;
                    return 0;
                }
                while (true) {
                    if (skipValue(depth + 1) == NO || !skipSpace()) {
                        return NO;
                    }
                    if (b[pos] == ']') {
                        pos++;
                        return 0;
                    }
                    if (b[pos] != ',') {
                        return NO;
                    }
                    pos++;
                    if (!skipSpace()) {
                        return NO;
                    }
                }
            }
            case '"' -> {
                return skipString(false);
            }
            case 't' -> {
                return literal("true");
            }
            case 'f' -> {
                return literal("false");
            }
            case 'n' -> {
                return literal("null");
            }
            default -> {
                return skipNumber();
            }
        }
    }

    /**
     * Skips a string starting at its opening quote. Escapes must be JSON's; raw control characters are refused. Bytes of
     * 0x80 and above pass: the full parse reads the text as UTF-8 with replacement, which never turns them into a quote,
     * a backslash or a control character.
     */
    private int skipString(boolean name) {
        int start = ++pos;
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                pos++;
                return name && pos - start > MAX_NAME_BYTES ? NO : 0;
            }
            if (c == '\\') {
                if (++pos >= end) {
                    return NO;
                }
                switch (b[pos]) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos++;
                    case 'u' -> {
                        if (pos + 4 >= end) {
                            return NO;
                        }
                        for (int i = 1; i <= 4; i++) {
                            if (Character.digit(b[pos + i], 16) < 0) {
                                return NO;
                            }
                        }
                        pos += 5;
                    }
                    default -> {
                        return NO;
                    }
                }
            } else if (c >= 0 && c < 0x20) {
                return NO;
            } else {
                pos++;
            }
        }
        return NO;
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, at most {@link #MAX_NUMBER_BYTES} long. */
    private int skipNumber() {
        int start = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end) {
            return NO;
        }
        if (b[pos] == '0') {
            pos++;
        } else if (b[pos] >= '1' && b[pos] <= '9') {
            skipDigits();
        } else {
            return NO;
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            if (skipDigits() == 0) {
                return NO;
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (skipDigits() == 0) {
                return NO;
            }
        }
        return pos - start > MAX_NUMBER_BYTES ? NO : 0;
    }

    private int skipDigits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    private int literal(String word) {
        if (pos + word.length() > end) {
            return NO;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[pos + i] != word.charAt(i)) {
                return NO;
            }
        }
        pos += word.length();
        return 0;
    }

    /** Skips JSON whitespace; true when something follows. */
    private boolean skipSpace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return true;
            }
            pos++;
        }
        return false;
    }

    private boolean is(String ascii, int from, int to) {
        if (to - from != ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[from + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
