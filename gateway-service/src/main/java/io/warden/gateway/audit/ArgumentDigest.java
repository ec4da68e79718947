package io.warden.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Summarises tool-call arguments for the decision event without recording their values: the sorted top-level names and a
 * keyed digest, {@code hmac-sha256:} + hex of HMAC-SHA256 over the RFC 8785 (JCS) canonical JSON of the arguments. Keyed,
 * because a plain hash of a low-entropy value (a yes/no, a small account number) is recovered by hashing the guesses;
 * without the deployment's key nobody can. Equal arguments give equal digests under one key, whatever their key order,
 * whitespace or number spelling; {@link #keyId()} names the key, so consumers know which digests compare.
 *
 * <p>Canonical JSON (RFC 8785): no whitespace; object members sorted by name in UTF-16 code unit order, recursively;
 * arrays in order; in strings only the quote, the backslash and control characters are escaped (the short forms for
 * backspace, form feed, newline, carriage return and tab, <code>&#92;u00xx</code> with lowercase hex for the rest), everything
 * else raw UTF-8; numbers as IEEE-754 doubles written as ECMAScript writes them (shortest digits that read back as the
 * same double: {@code 1}, {@code 1.0} and {@code 1e0} all give {@code 1}, {@code 1E30} gives {@code 1e+30}). As in
 * I-JSON, integers beyond 2^53 are their nearest double. Two cases RFC 8785 leaves undefined get a distinct spelling
 * instead of failing a call: a lone surrogate in a string is written <code>&#92;udxxx</code>, and a number beyond the double range
 * is written unquoted as its exact decimal ({@code 1E+999999999}), never expanded into digits.
 *
 * <p>Measured against a JCS library (io.github.erdtman:java-json-canonicalization 1.1, which parses JSON text itself and
 * so needs the arguments written out first): see docs/benchmarks.md, "Argument digest".
 */
public final class ArgumentDigest {

    /** Shortest accepted key: HMAC-SHA256's block of security. */
    public static final int MIN_KEY_BYTES = 32;
    private static final String PREFIX = "hmac-sha256:";
    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] KEY_ID_LABEL = "warden argument digest key id".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String keyId;
    /** One Mac per thread: every allowed call is digested, and getInstance plus init cost more than the digest. */
    private final ThreadLocal<Mac> macs;

    private ArgumentDigest(byte[] keyBytes) {
        this.key = new SecretKeySpec(keyBytes, ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.keyId = HexFormat.of().formatHex(Arrays.copyOf(macs.get().doFinal(KEY_ID_LABEL), 4));
    }

    /** A digest keyed with {@code keyBytes} (at least {@link #MIN_KEY_BYTES}). */
    public static ArgumentDigest withKey(byte[] keyBytes) {
        if (keyBytes == null || keyBytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the argument digest key must be at least " + MIN_KEY_BYTES + " bytes");
        }
        return new ArgumentDigest(keyBytes.clone());
    }

    /**
     * A digest keyed with a base64 key (standard or URL-safe alphabet), as configured. The message of the exception names
     * what is wrong, never the key.
     */
    public static ArgumentDigest withBase64Key(String base64) {
        byte[] bytes;
        try {
            String trimmed = base64.trim();
            bytes = trimmed.indexOf('-') >= 0 || trimmed.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(trimmed) : Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the argument digest key is not valid base64");
        }
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the argument digest key must decode to at least " + MIN_KEY_BYTES
                    + " bytes (got " + bytes.length + ")");
        }
        return new ArgumentDigest(bytes);
    }

    /** A digest keyed with a random key of this process only: its digests compare with no other pod's or restart's. */
    public static ArgumentDigest ephemeral() {
        byte[] bytes = new byte[MIN_KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return new ArgumentDigest(bytes);
    }

    /** A fresh base64 key for {@code warden.gateway.decision-log.digest-key}. */
    public static String generateKey() {
        byte[] bytes = new byte[MIN_KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Names the key without revealing it: the first 4 bytes of HMAC(key, a fixed label), in hex. */
    public String keyId() {
        return keyId;
    }

    /** {@code hmac-sha256:} + lowercase hex over the canonical JSON; null when there are no arguments (null, missing or JSON null). */
    public String of(JsonNode args) {
        if (args == null || args.isMissingNode() || args.isNull()) {
            return null;
        }
        return PREFIX + HexFormat.of().formatHex(macs.get().doFinal(canonical(args).getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "ArgumentDigest[key " + keyId + "]"; // never the key
    }

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

    /** The RFC 8785 canonical form of {@code node}. */
    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder(128);
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
                members.sort(Map.Entry.comparingByKey()); // String order is UTF-16 code unit order, as RFC 8785 wants
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
        if (node.isInt() || node.isLong() && node.longValue() >= -(1L << 53) && node.longValue() <= 1L << 53) {
            out.append(node.longValue()); // exact as a double, and written as ECMAScript writes integers
            return;
        }
        double d = node.doubleValue();
        if (Double.isFinite(d)) {
            EcmaNumbers.append(d, out);
        } else if (node.isBigDecimal() || node.isBigInteger()) {
            out.append(node.decimalValue().stripTrailingZeros()); // beyond the double range: exact, unquoted, short
        } else {
            out.append(d); // Infinity or NaN, only from non-standard parser features
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
                    } else if (Character.isSurrogate(c) && !pairedAt(s, i)) {
                        out.append("\\u").append(HexFormat.of().toHexDigits(c)); // UTF-8 cannot carry it: keep it distinct
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** True when the surrogate at {@code i} is half of a well-formed pair. */
    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * ECMAScript's Number::toString for finite doubles (ECMA-262, 6.1.6.1.20), as RFC 8785 requires: the fewest significant
     * digits that read back as the same double (the closest such, ties to even), then plain or exponent notation by the
     * decimal exponent. Double.toString gives those digits when it gives at most 15; JDK 17's is not always shortest
     * beyond (fixed in JDK 19), so longer ones are checked with exact decimal arithmetic. Integers up to 2^53, the common
     * case, never get here. Checked against Node's Number#toString on 200,000 random doubles.
     */
    static final class EcmaNumbers {
        private EcmaNumbers() {
        }

        static void append(double d, StringBuilder out) {
            if (d == 0) {
                out.append('0'); // also -0
                return;
            }
            if (d < 0) {
                out.append('-');
                d = -d;
            }
            // The value is 0.s × 10^n, s without leading or trailing zeros.
            String javaText = Double.toString(d);
            int e = javaText.indexOf('E');
            String mantissa = e < 0 ? javaText : javaText.substring(0, e);
            int n = mantissa.indexOf('.') + (e < 0 ? 0 : Integer.parseInt(javaText.substring(e + 1)));
            String s = stripZeros(mantissa.replace(".", ""));
            n -= leadingZeros(mantissa.replace(".", ""));
            if (s.length() > 15 || d < Double.MIN_NORMAL) {
                // For a normal double (53 bits of precision), decimals of up to 15 digits never share a double, so
                // Double.toString's are then the only ones of their length that read back: the shortest and the closest.
                // Beyond 15, or for a subnormal (less precision: 4.9E-324 where 5e-324 reads back too), they may be too
                // many (JDK-4511638): search with exact arithmetic.
                BigDecimal digits = shortest(new BigDecimal(d), d, s.length());
                s = digits.unscaledValue().toString();
                n = s.length() - digits.scale();
            }
            int k = s.length();
            if (k <= n && n <= 21) {
                out.append(s).append("0".repeat(n - k));
            } else if (0 < n && n <= 21) {
                out.append(s, 0, n).append('.').append(s, n, k);
            } else if (-6 < n && n <= 0) {
                out.append("0.").append("0".repeat(-n)).append(s);
            } else {
                out.append(s.charAt(0));
                if (k > 1) {
                    out.append('.').append(s, 1, k);
                }
                out.append('e').append(n - 1 > 0 ? "+" : "-").append(Math.abs(n - 1));
            }
        }

        /**
         * The shortest decimal that reads back as {@code d}, without trailing zeros, given that {@code length} digits do.
         * If some p digits read back, so do p + 1 (append a zero): so the search goes down from there while shorter ones
         * still read back, which is rarely even once.
         */
        private static BigDecimal shortest(BigDecimal exact, double d, int length) {
            int p = length;
            while (p > 1 && pick(exact, d, p - 1) != null) {
                p--;
            }
            BigDecimal best = pick(exact, d, p);
            return (best != null ? best : exact.round(new MathContext(17, RoundingMode.HALF_EVEN))).stripTrailingZeros();
        }

        /** Of the two p-digit neighbours of {@code exact}, the one that reads back as {@code d} (the closer, ties to even). */
        private static BigDecimal pick(BigDecimal exact, double d, int p) {
            BigDecimal down = exact.round(new MathContext(p, RoundingMode.DOWN));
            BigDecimal up = exact.round(new MathContext(p, RoundingMode.UP));
            boolean downOk = down.doubleValue() == d;
            boolean upOk = up.doubleValue() == d;
            if (downOk && upOk) {
                int cmp = exact.subtract(down).compareTo(up.subtract(exact));
                return cmp < 0 ? down : cmp > 0 ? up : down.unscaledValue().testBit(0) ? up : down;
            }
            return downOk ? down : upOk ? up : null;
        }

        private static int leadingZeros(String digits) {
            int i = 0;
            while (i < digits.length() - 1 && digits.charAt(i) == '0') {
                i++;
            }
            return i;
        }

        /** The digits without leading and trailing zeros ("0012300" gives "123"). */
        private static String stripZeros(String digits) {
            int first = leadingZeros(digits);
            int last = digits.length();
            while (last > first + 1 && digits.charAt(last - 1) == '0') {
                last--;
            }
            return digits.substring(first, last);
        }
    }
}
