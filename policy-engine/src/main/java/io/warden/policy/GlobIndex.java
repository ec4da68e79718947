package io.warden.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Globs indexed by their literal prefix (the text before the first wildcard), so that a lookup
 * costs one hash probe per distinct prefix length that fits the name, plus a match of only the
 * globs whose prefix the name starts with. A glob can only match a name that starts with its
 * literal prefix, so no other glob needs to be tried.
 *
 * <p>{@link #find} answers exactly what a scan of the globs in their given order would answer
 * when that order is "longest literal prefix first, then document order" (how tool globs are
 * sorted): among the candidates, the longest prefix wins, then the earliest glob. Lookups
 * allocate nothing.
 */
final class GlobIndex {
    private final Glob[] globs;
    /** Distinct literal prefix lengths, ascending. */
    private final int[] lengths;
    /** Open-addressing table of prefixes; {@code null} slots are empty. */
    private final String[] prefixes;
    private final int[] hashes;
    /** For each slot: indexes into {@link #globs}, in the given order. */
    private final int[][] members;
    private final int mask;

    /** @param globs in priority order (for {@code hide}, any order) */
    GlobIndex(Glob[] globs) {
        this.globs = globs.clone();
        Map<String, List<Integer>> byPrefix = new LinkedHashMap<>();
        for (int i = 0; i < globs.length; i++) {
            byPrefix.computeIfAbsent(globs[i].pattern.substring(0, globs[i].literalPrefix), k -> new ArrayList<>())
                    .add(i);
        }
        this.lengths = byPrefix.keySet().stream().mapToInt(String::length).distinct().sorted().toArray();
        int size = Integer.highestOneBit(Math.max(4, byPrefix.size() * 2 + 1)) << 1;
        this.prefixes = new String[size];
        this.hashes = new int[size];
        this.members = new int[size][];
        this.mask = size - 1;
        for (Map.Entry<String, List<Integer>> e : byPrefix.entrySet()) {
            String prefix = e.getKey();
            int slot = spread(prefix.hashCode()) & mask;
            while (prefixes[slot] != null) {
                slot = (slot + 1) & mask;
            }
            prefixes[slot] = prefix;
            hashes[slot] = prefix.hashCode();
            members[slot] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
        }
    }

    boolean isEmpty() {
        return globs.length == 0;
    }

    /**
     * The index (in the constructor's array) of the best glob matching {@code name}: longest
     * literal prefix, then earliest; -1 when none matches.
     */
    int find(String name) {
        if (globs.length == 0) {
            return -1;
        }
        int best = -1;
        int n = name.length();
        int h = 0;
        int pos = 0;
        for (int length : lengths) {
            if (length > n) {
                break;
            }
            while (pos < length) {
                h = 31 * h + name.charAt(pos++);
            }
            int found = matchAt(name, length, h);
            if (found >= 0) {
                best = found;
            }
        }
        return best;
    }

    /** True when any glob matches {@code name}. */
    boolean matchesAny(String name) {
        if (globs.length == 0) {
            return false;
        }
        int n = name.length();
        int h = 0;
        int pos = 0;
        for (int length : lengths) {
            if (length > n) {
                return false;
            }
            while (pos < length) {
                h = 31 * h + name.charAt(pos++);
            }
            if (matchAt(name, length, h) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The first glob whose literal prefix is the first {@code length} characters of the name and that matches. */
    private int matchAt(String name, int length, int h) {
        int slot = spread(h) & mask;
        String prefix;
        while ((prefix = prefixes[slot]) != null) {
            if (hashes[slot] == h && prefix.length() == length && name.startsWith(prefix)) {
                for (int i : members[slot]) {
                    if (globs[i].matchesFrom(name, length)) {
                        return i;
                    }
                }
                return -1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
