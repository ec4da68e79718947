package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Hidden tools stay hidden whatever carries a tool list back: any upstream message, on any stream, with any status or
 * content type, answering any request or none. The gateway cannot always know which request a message answers (a
 * stream resumed with {@code Last-Event-ID} replays earlier answers), so every {@code result.tools} is filtered, and
 * whatever it cannot read with certainty is refused rather than passed. Pure.
 *
 * <p>Member names are compared as a case-insensitive reader would see them (Go's {@code encoding/json} matches
 * {@code "Result"} and even {@code "toolſ"}): a tool list under any spelling but the exact one is refused.
 */
public final class HiddenTools {

    /** What to send for one upstream text. */
    public enum Action {
        /** No tool list in it: its bytes may go as they came. */
        PASS,
        /** Send the (filtered) tree re-serialised, never the upstream's bytes. */
        REWRITE,
        /** Do not send it: it may carry a tool list the gateway cannot filter. */
        REFUSE
    }

    private HiddenTools() {}

    /**
     * Filters every message of a parsed upstream text (one message, or each object of an array: some clients read
     * arrays of answers) with {@code filter} (which removes the tools the grant may not see).
     *
     * @param exact         the text was exactly this tree (no duplicate names, nothing after it)
     * @param toolListId    the id of a tools/list request this text answers, or null: its answer must have a
     *                      {@code result.tools} array or an {@code error}, anything else is refused
     */
    public static Action filter(JsonNode tree, boolean exact, JsonNode toolListId, Predicate<ObjectNode> filter) {
        boolean rewrite = !exact;
        if (tree instanceof ObjectNode m) {
            return merge(rewrite, message(m, toolListId, filter));
        }
        if (tree != null && tree.isArray()) {
            for (JsonNode element : tree) {
                if (element instanceof ObjectNode m) {
                    Action a = message(m, toolListId, filter);
                    if (a == Action.REFUSE) {
                        return a;
                    }
                    rewrite |= a == Action.REWRITE;
                }
            }
        }
        return rewrite ? Action.REWRITE : Action.PASS;
    }

    /**
     * For text no JSON reader here accepts: refused when a more forgiving reader might still find a tool list in it
     * (a name spelled with escapes, or "tools" in any case or in UTF-16/32), or when it was to answer a tools/list.
     */
    public static Action unreadable(String text, boolean answersToolList) {
        // NULs removed: UTF-16 or UTF-32 text read as UTF-8 shows its ASCII letters between them.
        if (answersToolList || text.indexOf('\\') >= 0 || fold(text.replace("\0", "")).contains("tools")) {
            return Action.REFUSE;
        }
        return Action.PASS;
    }

    private static Action merge(boolean rewrite, Action a) {
        return a == Action.PASS && rewrite ? Action.REWRITE : a;
    }

    private static Action message(ObjectNode m, JsonNode toolListId, Predicate<ObjectNode> filter) {
        boolean tools = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (!"result".equals(fold(member.getKey())) || !(member.getValue() instanceof ObjectNode result)) {
                continue;
            }
            for (Iterator<String> names = result.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!"tools".equals(fold(name))) {
                    continue;
                }
                if (!"result".equals(member.getKey()) || !"tools".equals(name) || !result.get(name).isArray()) {
                    return Action.REFUSE; // a tool list under an odd name or of an odd shape: some reader may take it
                }
                tools = true;
            }
        }
        if (toolListId != null && toolListId.equals(m.get("id")) && !m.has("method") && !tools && !m.has("error")) {
            return Action.REFUSE; // the answer to a tools/list with neither a tool list nor an error
        }
        if (tools) {
            filter.test(m);
            return Action.REWRITE;
        }
        return Action.PASS;
    }

    /** Unicode case folding as lenient readers apply it ("ſ" is "s", "K" (Kelvin) is "k"). */
    static String fold(String s) {
        return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }
}
