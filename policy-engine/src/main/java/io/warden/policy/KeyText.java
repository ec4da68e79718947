package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

/**
 * Writes the JSON text of a scalar call value into a builder, byte for byte as Jackson's
 * {@code JsonNode.toString()} writes it, without a serializer: bucket keys must never change
 * between versions. Objects, arrays, big numbers and non-finite numbers fall back to Jackson.
 */
final class KeyText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KeyText() {
    }

    /** Appends the JSON text of {@code v} (not a missing node) to {@code b}. */
    static void append(StringBuilder b, JsonNode v) {
        JsonNodeType type = v.getNodeType();
        switch (type) {
            case STRING:
                appendString(b, v.textValue());
                return;
            case BOOLEAN:
                b.append(v.booleanValue() ? "true" : "false");
                return;
            case NULL:
                b.append("null");
                return;
            case NUMBER:
                switch (v.numberType()) {
                    case INT:
                        b.append(v.intValue());
                        return;
                    case LONG:
                        b.append(v.longValue());
                        return;
                    case DOUBLE:
                        double d = v.doubleValue();
                        if (Double.isFinite(d)) {
                            b.append(Double.toString(d));
                            return;
                        }
                        break;
                    case FLOAT:
                        float f = v.floatValue();
                        if (Float.isFinite(f)) {
                            b.append(Float.toString(f));
                            return;
                        }
                        break;
                    default:
                        break;
                }
                b.append(v.toString());
                return;
            default:
                b.append(v.toString());
        }
    }

    /** A JSON string literal: quotes, {@code \"} and {@code \\}, short escapes, else {@code \}{@code u00XX}. */
    private static void appendString(StringBuilder b, String s) {
        b.append('"');
        int n = s.length();
        int run = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            b.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\b':
                    b.append("\\b");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\f':
                    b.append("\\f");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                default:
                    b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    break;
            }
        }
        b.append(s, run, n);
        b.append('"');
    }
}
