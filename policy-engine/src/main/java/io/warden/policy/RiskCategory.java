package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The risk category of an upstream tool, used by {@code categories} rules and {@code tool.category}.
 *
 * <p>Classification, first match wins: a category pinned by an operator; the annotations
 * ({@code readOnlyHint: true} gives {@link #READ}, {@code destructiveHint: true} gives
 * {@link #DESTRUCTIVE}); a financial keyword in the name, or an argument whose name is financial
 * ({@code amount}, {@code currency}, {@code price}, ...) gives {@link #FINANCIAL}; other keywords in
 * the name, then in the description ({@link #FINANCIAL}, then {@link #DESTRUCTIVE}, then
 * {@link #EXECUTE}); else {@link #WRITE}. Missing annotations never make a tool {@code read}: a tool
 * must declare itself read-only to be classified so. {@link #explain} gives the same answer with the
 * evidence that decided it.
 */
public enum RiskCategory {
    READ, WRITE, EXECUTE, DESTRUCTIVE, FINANCIAL;

    private static final String[] FINANCIAL_WORDS = {"payment", "charge", "refund", "transfer", "invoice",
        "payout", "billing", "withdraw"};
    private static final String[] DESTRUCTIVE_WORDS = {"delete", "drop", "purge", "destroy", "remove", "truncate",
        "wipe", "erase"};
    private static final String[] EXECUTE_WORDS = {"exec", "run", "shell", "deploy", "sql", "eval", "command",
        "script"};
    /** Argument names that mean money moves (besides the financial keywords above). */
    private static final String[] FINANCIAL_ARGUMENT_WORDS = {"amount", "currency", "price", "iban", "card"};

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

    /** Classifies a tool; never {@code null}. A null tool is {@link #WRITE}. Allocation-free. */
    public static RiskCategory classify(ToolInfo tool) {
        if (tool == null) {
            return WRITE;
        }
        RiskCategory pinned = fromJson(tool.pinnedCategory());
        if (pinned != null) {
            return pinned;
        }
        RiskCategory byAnnotations = byAnnotations(tool.annotations());
        if (byAnnotations != null) {
            return byAnnotations;
        }
        String nameWord = keyword(tool.name());
        if (categoryOfWord(nameWord) == FINANCIAL || financialArgument(tool.argumentNames()) != null) {
            return FINANCIAL;
        }
        if (nameWord != null) {
            return categoryOfWord(nameWord);
        }
        String descriptionWord = keyword(tool.description());
        return descriptionWord != null ? categoryOfWord(descriptionWord) : WRITE;
    }

    /** A category and the evidence that decided it, in words an operator can check. */
    public record Classification(RiskCategory category, String reason) {}

    /** {@link #classify} with its reason: the same rules in the same order. */
    public static Classification explain(ToolInfo tool) {
        if (tool == null) {
            return new Classification(WRITE, "nothing is known of the tool: write by default");
        }
        RiskCategory pinned = fromJson(tool.pinnedCategory());
        if (pinned != null) {
            return new Classification(pinned, "pinned to " + pinned.jsonName() + " by the operator");
        }
        RiskCategory byAnnotations = byAnnotations(tool.annotations());
        if (byAnnotations == READ) {
            return new Classification(READ, "it declares readOnlyHint: true");
        }
        if (byAnnotations == DESTRUCTIVE) {
            return new Classification(DESTRUCTIVE, "it declares destructiveHint: true");
        }
        String nameWord = keyword(tool.name());
        if (categoryOfWord(nameWord) == FINANCIAL) {
            return new Classification(FINANCIAL, "its name contains \"" + nameWord + "\"");
        }
        String argument = financialArgument(tool.argumentNames());
        if (argument != null) {
            return new Classification(FINANCIAL, "it takes an argument \"" + argument + "\"");
        }
        if (nameWord != null) {
            RiskCategory c = categoryOfWord(nameWord);
            return new Classification(c, "its name contains \"" + nameWord + "\"");
        }
        String descriptionWord = keyword(tool.description());
        if (descriptionWord != null) {
            return new Classification(categoryOfWord(descriptionWord), "its description mentions \"" + descriptionWord + "\"");
        }
        return new Classification(WRITE, "it does not declare itself read-only, and nothing in its name, description or "
                + "arguments says more: write by default");
    }

    private static RiskCategory byAnnotations(JsonNode annotations) {
        if (annotations != null && annotations.isObject()) {
            if (annotations.path("readOnlyHint").isBoolean() && annotations.get("readOnlyHint").booleanValue()) {
                return READ;
            }
            if (annotations.path("destructiveHint").isBoolean() && annotations.get("destructiveHint").booleanValue()) {
                return DESTRUCTIVE;
            }
        }
        return null;
    }

    /** The first argument whose name holds a financial word, or null. */
    private static String financialArgument(java.util.List<String> names) {
        for (String name : names) {
            if (categoryOfWord(keyword(name)) == FINANCIAL || startsWithAny(name, FINANCIAL_ARGUMENT_WORDS)) {
                return name;
            }
        }
        return null;
    }

    /** True when a word of {@code text} starts with one of {@code words} (case-insensitive). */
    private static boolean startsWithAny(String text, String[] words) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int start = i;
            i = wordEnd(text, i);
            for (String w : words) {
                if (i - start >= w.length() && text.regionMatches(true, start, w, 0, w.length())) {
                    return true;
                }
            }
        }
        return false;
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
     * The keyword that decides what the words of {@code text} give: the first financial keyword,
     * else the first destructive one, else the first execute one, else {@code null}. One pass over
     * the text; the keyword returned is one of the constants above, so nothing is allocated.
     */
    private static String keyword(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String destructive = null;
        String execute = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int start = i;
            i = wordEnd(text, i);
            if (start < n) {
                char first = text.charAt(start);
                String[] candidates = first < 128 ? BY_FIRST_ASCII[first] : ALL_WORDS;
                for (String k : candidates) {
                    if (i - start >= k.length() && text.regionMatches(true, start, k, 0, k.length())) {
                        RiskCategory c = categoryOfWord(k);
                        if (c == FINANCIAL) {
                            return k;
                        }
                        if (c == DESTRUCTIVE && destructive == null) {
                            destructive = k;
                        } else if (c == EXECUTE && execute == null) {
                            execute = k;
                        }
                    }
                }
            }
        }
        return destructive != null ? destructive : execute;
    }

    /** End of the word starting at {@code start}: letters and digits, split where camelCase turns upper. */
    private static int wordEnd(String text, int start) {
        int n = text.length();
        int i = start + 1;
        while (i < n && Character.isLetterOrDigit(text.charAt(i))
                && !(Character.isUpperCase(text.charAt(i)) && Character.isLowerCase(text.charAt(i - 1)))) {
            i++;
        }
        return Math.min(i, n);
    }

    /** The category of one of the keyword constants; null for null. */
    private static RiskCategory categoryOfWord(String keyword) {
        if (keyword == null) {
            return null;
        }
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
