package io.warden.policyservice.web;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Query parameters read as text and checked here, so a bad value is a 400 problem (JAX-RS would answer 404). */
public final class QueryParams {
    private QueryParams() {
    }

    /** Null when absent; a present but blank or overlong value is an error. */
    public static String text(String name, String value) {
        if (value == null) {
            return null;
        }
        if (value.isBlank() || value.length() > 200) {
            throw ProblemException.badParameter(name, "must be 1 to 200 characters");
        }
        return value;
    }

    public static Instant instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badParameter(name, "not an ISO-8601 instant (e.g. 2027-01-31T12:00:00Z)");
        }
    }

    public static int intInRange(String name, String value, int min, int max, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ProblemException.badParameter(name, "must be a whole number from " + min + " to " + max);
    }

    /** A required whole number ≥ 1 (versions). */
    public static int positive(String name, String value) {
        if (value == null) {
            throw ProblemException.badParameter(name, "required");
        }
        return intInRange(name, value, 1, Integer.MAX_VALUE, 1);
    }
}
