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

    /** The policy-language spelling ({@code read}, {@code write}, ...). */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
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

    private static RiskCategory byWords(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (hasWord(text, FINANCIAL_WORDS)) {
            return FINANCIAL;
        }
        if (hasWord(text, DESTRUCTIVE_WORDS)) {
            return DESTRUCTIVE;
        }
        if (hasWord(text, EXECUTE_WORDS)) {
            return EXECUTE;
        }
        return null;
    }

    /**
     * True when a word of {@code text} starts with one of the keywords. Words are split at
     * non-letters and at lower-to-upper case changes, so {@code createRefund}, {@code create_refund}
     * and {@code "Create a refund"} all contain a word starting with {@code refund}.
     */
    private static boolean hasWord(String text, String[] keywords) {
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
                for (String k : keywords) {
                    if (i - start >= k.length() && text.regionMatches(true, start, k, 0, k.length())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
