package io.warden.policyservice.web;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Collects every problem of a request body, each with its pointer, then fails once with all of them. */
public final class Checks {
    /** Ids used in URLs (servers, grants). */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Policy names (the standalone file's keys). */
    public static final Pattern POLICY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final List<FieldError> errors = new ArrayList<>();

    public Checks require(boolean ok, String pointer, String message) {
        if (!ok) {
            errors.add(new FieldError(pointer, message));
        }
        return this;
    }

    /** Present (not null). */
    public boolean present(Object value, String pointer) {
        require(value != null, pointer, "required");
        return value != null;
    }

    public Checks id(String value, String pointer) {
        if (present(value, pointer)) {
            require(ID.matcher(value).matches(), pointer,
                    "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return this;
    }

    public Checks policyName(String value, String pointer) {
        if (value != null) {
            require(POLICY_NAME.matcher(value).matches(), pointer,
                    "must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return this;
    }

    /** Non-blank text up to {@code max} characters. */
    public Checks text(String value, String pointer, int max) {
        if (present(value, pointer)) {
            require(!value.isBlank(), pointer, "must not be blank");
            require(value.length() <= max, pointer, "must be at most " + max + " characters");
        }
        return this;
    }

    public void orThrow() {
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    /** Escapes a map key or field name for use in a JSON pointer (RFC 6901). */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
