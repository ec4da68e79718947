package io.warden.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Summarises tool-call arguments for the decision event without recording their values: the sorted top-level names and a
 * SHA-256 digest of their canonical JSON, so the same arguments always give the same digest.
 *
 * <p>Canonical JSON here: no whitespace; object members sorted by name (UTF-16 code unit order), recursively; arrays in
 * order; in strings only the quote, the backslash and control characters are escaped (the short forms for backspace,
 * form feed, newline, carriage return and tab, six-character escapes with lowercase hex for the rest), everything else
 * is raw UTF-8; numbers by numeric value, trailing zeros removed, written as the unscaled digits plus an exponent when
 * needed ({@code 1}, {@code 1.0} and {@code 1e0} all give {@code 1}; {@code 2.50} gives {@code 25e-1}; {@code 1000}
 * gives {@code 1e3}), so a large exponent is never expanded into digits.
 */
public final class ArgumentDigest {

    private static final String PREFIX = "sha256:";

    private ArgumentDigest() {
    }

    /** {@code sha256:} + lowercase hex over the canonical JSON; null when there are no arguments (null, missing or JSON null). */
    public static String of(JsonNode args) {
        if (args == null || args.isMissingNode() || args.isNull()) {
            return null;
        }
        byte[] digest = SHA256.get().digest(canonical(args).getBytes(StandardCharsets.UTF_8));
        return PREFIX + HexFormat.of().formatHex(digest);
    }

    /** One digest per thread: every allowed call is digested, and getInstance is a provider lookup. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    });

    /** The top-level argument names in ascending order; empty unless the arguments are a JSON object. */
    public static List<String> keys(JsonNode args) {
        if (args == null || !args.isObject()) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(args.size());
        args.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        return Collections.unmodifiableList(keys);
    }

    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder(128);
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
                members.sort(Map.Entry.comparingByKey());
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(members.get(i).getKey(), out);
                    out.append(':');
                    write(members.get(i).getValue(), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case NUMBER -> number(node, out);
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL, MISSING -> out.append("null");
            default -> string(node.asText(), out); // STRING; BINARY (base64) and POJO do not come from parsed JSON
        }
    }

    private static void number(JsonNode node, StringBuilder out) {
        BigDecimal value;
        if (node.isIntegralNumber()) {
            value = new BigDecimal(node.bigIntegerValue());
        } else if (node.isFloat()) {
            value = new BigDecimal(Float.toString(node.floatValue()));
        } else if (node.isDouble()) {
            double d = node.doubleValue();
            if (!Double.isFinite(d)) { // only with non-standard parser features
                string(Double.toString(d), out);
                return;
            }
            value = BigDecimal.valueOf(d);
        } else {
            value = node.decimalValue();
        }
        value = value.stripTrailingZeros();
        out.append(value.unscaledValue());
        if (value.scale() != 0) {
            out.append('e').append(-(long) value.scale());
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
