package io.warden.policy;

/** A tool-name pattern with {@code *} (any run of characters) and {@code ?} (one character). */
final class Glob {
    final String pattern;
    /** Number of characters before the first wildcard: longer wins among matching globs. */
    final int literalPrefix;

    Glob(String pattern) {
        this.pattern = pattern;
        int i = 0;
        while (i < pattern.length() && pattern.charAt(i) != '*' && pattern.charAt(i) != '?') {
            i++;
        }
        this.literalPrefix = i;
    }

    static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    /** Linear-space matcher; remembers only the last star, so it never backtracks exponentially. */
    boolean matches(String name) {
        return matchesFrom(name, 0);
    }

    /**
     * As {@link #matches}, when the first {@code start} characters of the name are known to equal
     * the pattern's (at most {@link #literalPrefix}).
     */
    boolean matchesFrom(String name, int start) {
        int p = start;
        int n = start;
        int star = -1;
        int resume = 0;
        int plen = pattern.length();
        int nlen = name.length();
        while (n < nlen) {
            if (p < plen && (pattern.charAt(p) == '?' || (pattern.charAt(p) != '*'
                    && pattern.charAt(p) == name.charAt(n)))) {
                p++;
                n++;
            } else if (p < plen && pattern.charAt(p) == '*') {
                star = p++;
                resume = n;
            } else if (star >= 0) {
                p = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (p < plen && pattern.charAt(p) == '*') {
            p++;
        }
        return p == plen;
    }
}
