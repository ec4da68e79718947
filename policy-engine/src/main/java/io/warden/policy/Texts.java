package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;

/** Small text helpers shared by the validator and the evaluator. */
final class Texts {
    private Texts() {
    }

    /** The closest candidate within a small edit distance, or {@code null}. */
    static String didYouMean(String given, Collection<String> candidates) {
        if (given == null || given.length() > 64) {
            return null;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(given.toLowerCase(java.util.Locale.ROOT), c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        int allowed = Math.max(1, Math.min(3, given.length() / 3));
        return bestDistance <= allowed ? best : null;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Escapes one reference token of a JSON pointer (RFC 6901). */
    static String escape(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
            return token;
        }
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** "a string", "a number", ... for messages; never the value itself. */
    static String typeOf(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        switch (node.getNodeType()) {
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            default:
                return "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Quotes a string for a message, shortened when long. */
    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A policy value for a message (policy values are not secrets), shortened when long. */
    static String show(JsonNode value) {
        String text = value.isTextual() ? quote(value.textValue()) : value.toString();
        return text.length() > 100 ? text.substring(0, 97) + "..." : text;
    }
}
