package io.warden.policyservice.imports;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an import did, by entity type: ids only (never a header value or token hash), so it doubles as the audit
 * entry's "after".
 */
public record ImportResult(String source, String mode, long revision, Map<String, List<String>> created,
                           Map<String, List<String>> replaced, Map<String, List<String>> unchanged) {

    static final class Builder {
        private final String source;
        private final ImportService.Mode mode;
        private final Map<String, List<String>> created = new TreeMap<>();
        private final Map<String, List<String>> replaced = new TreeMap<>();
        private final Map<String, List<String>> unchanged = new TreeMap<>();

        Builder(String version, ImportService.Mode mode) {
            this.source = "warden.yaml@" + version;
            this.mode = mode;
        }

        void created(String type, String id) {
            created.computeIfAbsent(plural(type), k -> new ArrayList<>()).add(id);
        }

        void replaced(String type, String id) {
            replaced.computeIfAbsent(plural(type), k -> new ArrayList<>()).add(id);
        }

        void unchanged(String type, String id) {
            unchanged.computeIfAbsent(plural(type), k -> new ArrayList<>()).add(id);
        }

        private static String plural(String type) {
            return type.equals("policy") ? "policies" : type + "s";
        }

        ImportResult build(long revision) {
            return new ImportResult(source, mode.name().toLowerCase(java.util.Locale.ROOT), revision, created,
                    replaced, unchanged);
        }
    }
}
