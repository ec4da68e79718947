package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * PolicyLayer's other ways of writing a tool rule ({@code "action"} with {@code "reason"}, a {@code "rate_limit"}
 * block) and their canonical form. The parser accepts both; {@link #canonical} rewrites a document into the forms the
 * language has always had, meaning the same thing and keeping the same rate-limit buckets.
 */
public final class PolicyForms {
    /** Scope of a {@code rate_limit} block that names none: one bucket per grant, as PolicyLayer's own limits. */
    static final String RATE_LIMIT_SCOPE = "grant";
    private static final int MAX_COUNTER = 128;

    private PolicyForms() {
    }

    /**
     * The counter of a {@code rate_limit} block that names none: one per block, so that two tools never share it. The
     * canonical form writes it out, so a formatted policy keeps counting in the same buckets.
     */
    static String rateLimitCounter(String blockPointer) {
        String name = "rate_limit:" + blockPointer;
        return name.length() <= MAX_COUNTER && name.indexOf('|') < 0 ? name
                : "rate_limit:#" + LimitSpec.digest(blockPointer);
    }

    /**
     * The canonical form of a valid policy: every {@code action}, {@code reason} and {@code rate_limit} rewritten as
     * {@code deny_if}, {@code approval} and {@code limits} entries (named {@code action} and {@code rate_limit}, so
     * their rule ids stay recognisable); everything else untouched. Callers validate first: the result of an invalid
     * document is unspecified.
     */
    public static ObjectNode canonical(JsonNode policy) {
        ObjectNode out = policy.deepCopy();
        if (out.get("all_tools") instanceof ObjectNode block) {
            out.set("all_tools", canonicalBlock(block, "/all_tools"));
        }
        for (String group : new String[] {"tools", "categories"}) {
            if (out.get(group) instanceof ObjectNode rules) {
                Iterator<Map.Entry<String, JsonNode>> fields = rules.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    if (f.getValue() instanceof ObjectNode block) {
                        f.setValue(canonicalBlock(block, "/" + group + "/" + Texts.escape(f.getKey())));
                    }
                }
            }
        }
        return out;
    }

    private static ObjectNode canonicalBlock(ObjectNode block, String pointer) {
        if (!block.has("action") && !block.has("reason") && !block.has("rate_limit")) {
            return block;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        block.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("action") && !f.getKey().equals("reason") && !f.getKey().equals("rate_limit")) {
                out.set(f.getKey(), f.getValue());
            }
        });
        String action = block.path("action").asText("");
        JsonNode reason = block.get("reason");
        if (action.equals("deny") || action.equals("require_approval")) {
            String list = action.equals("deny") ? "deny_if" : "approval";
            ArrayNode entries = out.get(list) instanceof ArrayNode a ? a : JsonNodeFactory.instance.arrayNode();
            ObjectNode entry = JsonNodeFactory.instance.objectNode();
            entry.put("name", freeName(entries, "action"));
            entry.putArray("conditions");
            if (reason != null) {
                entry.set(action.equals("deny") ? "on_deny" : "reason", reason);
            }
            entries.insert(0, entry);
            out.set(list, entries);
        }
        if (block.get("rate_limit") instanceof ObjectNode rate) {
            ArrayNode limits = out.get("limits") instanceof ArrayNode a ? a : JsonNodeFactory.instance.arrayNode();
            ObjectNode limit = JsonNodeFactory.instance.objectNode();
            limit.put("name", freeName(limits, "rate_limit"));
            limit.set("counter", rate.has("counter") ? rate.get("counter")
                    : JsonNodeFactory.instance.textNode(rateLimitCounter(pointer)));
            limit.set("window", rate.get("window"));
            limit.set("max", rate.get("max"));
            limit.set("scope", rate.has("scope") ? rate.get("scope")
                    : JsonNodeFactory.instance.textNode(RATE_LIMIT_SCOPE));
            rate.fields().forEachRemaining(f -> {
                if (!limit.has(f.getKey())) {
                    limit.set(f.getKey(), f.getValue());
                }
            });
            limits.add(limit);
            out.set("limits", limits);
        }
        return out;
    }

    /** {@code base}, or {@code base-2}, {@code base-3}... : a name no entry of {@code list} has yet. */
    private static String freeName(ArrayNode list, String base) {
        Set<String> taken = new HashSet<>();
        list.forEach(e -> taken.add(e.path("name").asText("")));
        String name = base;
        for (int i = 2; taken.contains(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }
}
