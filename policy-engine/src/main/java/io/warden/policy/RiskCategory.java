package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The risk category of an upstream tool, used by {@code categories} rules and {@code tool.category}.
 *
 * <p>Classification, first match wins: a category pinned by an operator; the annotations
 * ({@code readOnlyHint: true} gives {@link #READ}, {@code destructiveHint: true} gives
 * {@link #DESTRUCTIVE}); keywords in the name and description ({@link #FINANCIAL}, then
 * {@link #DESTRUCTIVE}, then {@link #EXECUTE}); else {@link #WRITE}. Missing annotations never
 * make a tool {@code read}: a tool must declare itself read-only to be classified so.
 */
public enum RiskCategory {
    READ, WRITE, EXECUTE, DESTRUCTIVE, FINANCIAL;

    private static final String[] FINANCIAL_WORDS = {"payment", "charge", "refund", "transfer", "invoice",
        "payout", "billing", "withdraw"};
    private static final String[] DESTRUCTIVE_WORDS = {"delete", "drop", "purge", "destroy", "remove", "truncate",
        "wipe", "erase"};
    private static final String[] EXECUTE_WORDS = {"exec", "run", "shell", "deploy", "sql", "eval", "command",
        "script"};

    private final String jsonName = name().toLowerCase(Locale.ROOT);

    /** The policy-language spelling ({@code read}, {@code write}, ...). */
    public String jsonName() {
        return jsonName;
    }

    /** The category spelled {@code name} in a policy, or {@code null} when there is none. */
    public static RiskCategory fromJson(String name) {
        if (name == null) {
            return null;
        }
        for (RiskCategory c : values()) {
            if (c.jsonName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** Classifies a tool; never {@code null}. A null tool is {@link #WRITE}. */
    public static RiskCategory classify(ToolInfo tool) {
        if (tool == null) {
            return WRITE;
        }
        RiskCategory pinned = fromJson(tool.pinnedCategory());
        if (pinned != null) {
            return pinned;
        }
        JsonNode annotations = tool.annotations();
        if (annotations != null && annotations.isObject()) {
            if (annotations.path("readOnlyHint").isBoolean() && annotations.get("readOnlyHint").booleanValue()) {
                return READ;
            }
            if (annotations.path("destructiveHint").isBoolean() && annotations.get("destructiveHint").booleanValue()) {
                return DESTRUCTIVE;
            }
        }
        RiskCategory byName = byWords(tool.name());
        if (byName != null) {
            return byName;
        }
        RiskCategory byDescription = byWords(tool.description());
        return byDescription != null ? byDescription : WRITE;
    }

    /**
     * For each ASCII character, the keywords a word starting with it can begin with (a word
     * starting with any other character is checked against every keyword).
     */
    private static final String[][] BY_FIRST_ASCII = new String[128][];
    private static final String[] ALL_WORDS;

    static {
        java.util.List<String> all = new java.util.ArrayList<>();
        for (String[] list : new String[][] {FINANCIAL_WORDS, DESTRUCTIVE_WORDS, EXECUTE_WORDS}) {
            all.addAll(java.util.List.of(list));
        }
        ALL_WORDS = all.toArray(new String[0]);
        for (int c = 0; c < 128; c++) {
            char lower = Character.toLowerCase((char) c);
            BY_FIRST_ASCII[c] = all.stream().filter(k -> k.charAt(0) == lower).toArray(String[]::new);
        }
    }

    /**
     * The category the words of {@code text} give: {@link #FINANCIAL} when a word starts with a
     * financial keyword, else {@link #DESTRUCTIVE}, else {@link #EXECUTE}, else {@code null}. One
     * pass over the text.
     */
    private static RiskCategory byWords(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        boolean destructive = false;
        boolean execute = false;
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int start = i;
            i++;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))
                    && !(Character.isUpperCase(text.charAt(i)) && Character.isLowerCase(text.charAt(i - 1)))) {
                i++;
            }
            if (start < n) {
                char first = text.charAt(start);
                String[] candidates = first < 128 ? BY_FIRST_ASCII[first] : ALL_WORDS;
                for (String k : candidates) {
                    if (i - start >= k.length() && text.regionMatches(true, start, k, 0, k.length())) {
                        RiskCategory c = categoryOfWord(k);
                        if (c == FINANCIAL) {
                            return FINANCIAL;
                        }
                        destructive |= c == DESTRUCTIVE;
                        execute |= c == EXECUTE;
                    }
                }
            }
        }
        return destructive ? DESTRUCTIVE : execute ? EXECUTE : null;
    }

    private static RiskCategory categoryOfWord(String keyword) {
        for (String k : FINANCIAL_WORDS) {
            if (k == keyword) {
                return FINANCIAL;
            }
        }
        for (String k : DESTRUCTIVE_WORDS) {
            if (k == keyword) {
                return DESTRUCTIVE;
            }
        }
        return EXECUTE;
    }
}
