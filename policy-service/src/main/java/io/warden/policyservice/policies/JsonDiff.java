package io.warden.policyservice.policies;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policyservice.web.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The differences between two JSON documents as JSON-pointer changes: a key or array element only on one side is
 * {@code add}/{@code remove}; a value that differs (or changes type) is {@code replace} at the deepest pointer
 * where both sides still are objects or arrays. Object keys in sorted order, array elements by index. Pure logic.
 */
public final class JsonDiff {

    /** One change; {@code from} is null for an add, {@code to} for a remove. */
    public record Change(String op, String pointer, JsonNode from, JsonNode to) {
    }

    private JsonDiff() {
    }

    public static List<Change> diff(JsonNode from, JsonNode to) {
        List<Change> changes = new ArrayList<>();
        walk("", from, to, changes);
        return changes;
    }

    private static void walk(String pointer, JsonNode a, JsonNode b, List<Change> out) {
        if (a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String child = pointer + "/" + Checks.escape(name);
                if (!b.has(name)) {
                    out.add(new Change("remove", child, a.get(name), null));
                } else if (!a.has(name)) {
                    out.add(new Change("add", child, null, b.get(name)));
                } else {
                    walk(child, a.get(name), b.get(name), out);
                }
            }
        } else if (a.isArray() && b.isArray()) {
            int common = Math.min(a.size(), b.size());
            for (int i = 0; i < common; i++) {
                walk(pointer + "/" + i, a.get(i), b.get(i), out);
            }
            for (int i = common; i < a.size(); i++) {
                out.add(new Change("remove", pointer + "/" + i, a.get(i), null));
            }
            for (int i = common; i < b.size(); i++) {
                out.add(new Change("add", pointer + "/" + i, null, b.get(i)));
            }
        } else if (!a.equals(b)) {
            out.add(new Change("replace", pointer, a, b));
        }
    }
}
