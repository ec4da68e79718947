package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Comparisons with the type-safety rule of the language. Results are three-valued:
 * {@link #TRUE}, {@link #FALSE} or {@link #INDETERMINATE} (a value of a type the operator
 * cannot judge, which denies the call).
 */
final class Values {
    static final byte FALSE = 0;
    static final byte TRUE = 1;
    static final byte INDETERMINATE = 2;

    /** Returned by {@link #compare} when the actual value is not a number. */
    static final int NOT_NUMERIC = Integer.MIN_VALUE;

    private static final int MAX_NUMERIC_STRING = 100;

    private Values() {
    }

    static byte of(boolean b) {
        return b ? TRUE : FALSE;
    }

    static byte not(byte r) {
        return r == INDETERMINATE ? INDETERMINATE : (r == TRUE ? FALSE : TRUE);
    }

    /**
     * Compares a value from a call with a number from the policy: negative, zero or positive,
     * or {@link #NOT_NUMERIC} when the value is neither a JSON number nor a string that is a
     * JSON number.
     */
    static int compare(JsonNode actual, JsonNode expected) {
        if (actual.isNumber()) {
            return compareNumbers(actual, expected);
        }
        if (actual.isTextual()) {
            BigDecimal parsed = parseNumber(actual.textValue());
            if (parsed == null) {
                return NOT_NUMERIC;
            }
            return compareDecimal(parsed, expected);
        }
        return NOT_NUMERIC;
    }

    private static int compareNumbers(JsonNode a, JsonNode b) {
        if (a.isIntegralNumber() && b.isIntegralNumber() && a.canConvertToLong() && b.canConvertToLong()) {
            return Long.compare(a.longValue(), b.longValue());
        }
        boolean aExact = a.isBigDecimal() || a.isBigInteger();
        boolean bExact = b.isBigDecimal() || b.isBigInteger();
        if (!aExact && !bExact) {
            return compareDoubles(a.doubleValue(), b.doubleValue());
        }
        double ad = a.doubleValue();
        double bd = b.doubleValue();
        if (Double.isInfinite(ad) || Double.isInfinite(bd) || Double.isNaN(ad) || Double.isNaN(bd)) {
            return compareDoubles(ad, bd);
        }
        return a.decimalValue().compareTo(b.decimalValue());
    }

    private static int compareDecimal(BigDecimal a, JsonNode b) {
        double bd = b.doubleValue();
        if (Double.isInfinite(bd) || Double.isNaN(bd)) {
            return compareDoubles(a.doubleValue(), bd);
        }
        return a.compareTo(b.decimalValue());
    }

    private static int compareDoubles(double a, double b) {
        return a < b ? -1 : (a > b ? 1 : 0);
    }

    /**
     * Parses a string that is exactly a JSON number (no spaces, no {@code NaN}, no hex, no
     * suffix), or returns {@code null}.
     */
    static BigDecimal parseNumber(String s) {
        int n = s.length();
        if (n == 0 || n > MAX_NUMERIC_STRING) {
            return null;
        }
        int i = 0;
        if (s.charAt(i) == '-') {
            i++;
        }
        int digits = i;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        if (i == digits || (s.charAt(digits) == '0' && i - digits > 1)) {
            return null;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            int fraction = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == fraction) {
                return null;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exponent = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == exponent || i - exponent > 6) {
                return null;
            }
        }
        if (i != n) {
            return null;
        }
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * {@code eq}: a policy scalar against a call value. Numbers (and numeric strings) compare
     * numerically; an array or object against a scalar is indeterminate, so that wrapping a
     * value never dodges a rule. A policy array or object is compared structurally.
     */
    static byte equal(JsonNode actual, JsonNode expected) {
        if (expected.isContainerNode()) {
            return of(deepEqual(actual, expected));
        }
        if (actual.isContainerNode()) {
            return INDETERMINATE;
        }
        return of(scalarEqual(actual, expected));
    }

    /** Scalar equality; numbers and numeric strings compare numerically. */
    static boolean scalarEqual(JsonNode actual, JsonNode expected) {
        if (expected.isNumber()) {
            return (actual.isNumber() || actual.isTextual()) && compare(actual, expected) == 0;
        }
        if (expected.isTextual()) {
            if (actual.isTextual()) {
                return actual.textValue().equals(expected.textValue());
            }
            if (actual.isNumber()) {
                BigDecimal e = parseNumber(expected.textValue());
                return e != null && compareNumbers(actual, com.fasterxml.jackson.databind.node.DecimalNode.valueOf(e))
                        == 0;
            }
            return false;
        }
        if (expected.isBoolean()) {
            return actual.isBoolean() && actual.booleanValue() == expected.booleanValue();
        }
        if (expected.isNull()) {
            return actual.isNull();
        }
        return false;
    }

    /** Structural equality; numbers compare by value, so {@code 1} equals {@code 1.0}. */
    static boolean deepEqual(JsonNode actual, JsonNode expected) {
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                return false;
            }
            for (int i = 0; i < expected.size(); i++) {
                if (!deepEqual(actual.get(i), expected.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isObject()) {
            if (!actual.isObject() || actual.size() != expected.size()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = expected.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode other = actual.get(field.getKey());
                if (other == null || !deepEqual(other, field.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (actual.isContainerNode()) {
            return false;
        }
        if (expected.isNumber() && actual.isNumber()) {
            return compareNumbers(actual, expected) == 0;
        }
        return scalarEqual(actual, expected);
    }

    /** Nesting depth of a JSON value, computed without recursion (safe on any input). */
    static int depth(JsonNode root) {
        java.util.ArrayDeque<JsonNode> nodes = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> depths = new java.util.ArrayDeque<>();
        nodes.push(root);
        depths.push(1);
        int max = 0;
        while (!nodes.isEmpty()) {
            JsonNode node = nodes.pop();
            int d = depths.pop();
            max = Math.max(max, d);
            if (max > 1000) {
                return max;
            }
            if (node.isContainerNode()) {
                for (JsonNode child : node) {
                    nodes.push(child);
                    depths.push(d + 1);
                }
            }
        }
        return max;
    }
}
