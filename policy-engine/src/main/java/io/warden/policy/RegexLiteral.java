package io.warden.policy;

/**
 * A {@code regex} condition whose pattern is plain text, perhaps anchored ({@code abc},
 * {@code ^abc}, {@code abc$}, {@code ^abc$}), decided with {@code String} methods instead of
 * RE2/J. Only printable ASCII literals and escaped punctuation qualify; anything else (classes,
 * repetitions, alternations, flags, dots, non-ASCII) stays with RE2/J. In RE2 syntax without
 * flags, {@code ^} is the beginning and {@code $} the very end of the text (no multi-line mode,
 * no "before a final newline"), so the answers are the same as RE2/J's {@code find()}.
 */
final class RegexLiteral {
    enum Kind { CONTAINS, STARTS_WITH, ENDS_WITH, EQUALS }

    /** Punctuation a backslash makes literal here. */
    private static final String ESCAPABLE = "\\.+*?()|[]{}^$-/";
    /** Characters with a meaning in RE2 syntax when not escaped. */
    private static final String META = "\\.+*?()|[]{}^$";

    final Kind kind;
    final String literal;

    private RegexLiteral(Kind kind, String literal) {
        this.kind = kind;
        this.literal = literal;
    }

    /** The plain-text form of {@code regex}, or {@code null} when it has any regex feature. */
    static RegexLiteral of(String regex) {
        int n = regex.length();
        int i = 0;
        boolean start = false;
        boolean end = false;
        if (i < n && regex.charAt(i) == '^') {
            start = true;
            i++;
        }
        StringBuilder literal = new StringBuilder(n);
        while (i < n) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n || ESCAPABLE.indexOf(regex.charAt(i + 1)) < 0) {
                    return null;
                }
                literal.append(regex.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == '$' && i == n - 1) {
                end = true;
                i++;
                continue;
            }
            if (c < 0x20 || c > 0x7E || META.indexOf(c) >= 0) {
                return null;
            }
            literal.append(c);
            i++;
        }
        Kind kind = start ? (end ? Kind.EQUALS : Kind.STARTS_WITH) : (end ? Kind.ENDS_WITH : Kind.CONTAINS);
        return new RegexLiteral(kind, literal.toString());
    }

    /** What {@code Pattern.compile(regex).matcher(text).find()} answers. */
    boolean find(String text) {
        switch (kind) {
            case STARTS_WITH:
                return text.startsWith(literal);
            case ENDS_WITH:
                return text.endsWith(literal);
            case EQUALS:
                return text.equals(literal);
            default:
                return text.contains(literal);
        }
    }
}
