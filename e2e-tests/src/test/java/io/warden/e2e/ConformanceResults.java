package io.warden.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one {@code conformance server -o DIR} run left on disk: one {@code server-<scenario>-<timestamp>/checks.json}
 * per scenario, each a list of checks with a status. A scenario passes as the suite itself counts it: no check
 * with status FAILURE or WARNING. A scenario whose checks were all SKIPPED (or that has none) is reported as
 * skipped.
 */
final class ConformanceResults {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESULT_DIR =
            Pattern.compile("server-(.+)-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z");

    enum Outcome { PASS, FAIL, SKIPPED, MISSING }

    /** One scenario: its outcome, counts, and the ids of the checks that failed or warned. */
    record Scenario(String name, Outcome outcome, int passed, int failed, int warnings, List<String> failing) {
        String cell() {
            return switch (outcome) {
                case PASS -> "pass (" + passed + ")";
                case SKIPPED -> "skipped";
                case MISSING -> "no result";
                case FAIL -> "FAIL (" + passed + "/" + (passed + failed + warnings) + "; "
                        + String.join(", ", failing.subList(0, Math.min(3, failing.size())))
                        + (failing.size() > 3 ? ", +" + (failing.size() - 3) + " more" : "") + ")";
            };
        }
    }

    private ConformanceResults() {}

    /** Every scenario found under {@code outDir}, by name. */
    static Map<String, Scenario> read(Path outDir) {
        Map<String, Scenario> byName = new TreeMap<>();
        if (!Files.isDirectory(outDir)) {
            return byName;
        }
        try (Stream<Path> dirs = Files.list(outDir)) {
            for (Path dir : dirs.sorted().toList()) {
                Matcher m = RESULT_DIR.matcher(dir.getFileName().toString());
                Path checks = dir.resolve("checks.json");
                if (m.matches() && Files.isRegularFile(checks)) {
                    byName.put(m.group(1), scenario(m.group(1), JSON.readTree(checks.toFile())));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read conformance results in " + outDir, e);
        }
        return byName;
    }

    private static Scenario scenario(String name, JsonNode checks) {
        int passed = 0;
        int failed = 0;
        int warnings = 0;
        int skipped = 0;
        List<String> failing = new ArrayList<>();
        for (JsonNode check : checks) {
            switch (check.path("status").asText()) {
                case "SUCCESS" -> passed++;
                case "FAILURE" -> {
                    failed++;
                    failing.add(check.path("id").asText());
                }
                case "WARNING" -> {
                    warnings++;
                    failing.add(check.path("id").asText() + " (warning)");
                }
                case "SKIPPED" -> skipped++;
                default -> {
                    // INFO: reported, not counted
                }
            }
        }
        Outcome outcome = failed + warnings > 0 ? Outcome.FAIL
                : passed == 0 && (skipped > 0 || checks.isEmpty()) ? Outcome.SKIPPED
                : Outcome.PASS;
        return new Scenario(name, outcome, passed, failed, warnings, List.copyOf(new LinkedHashSet<>(failing)));
    }

    /**
     * The server scenarios a requirement set scores, from {@code conformance list --requirements <set>}: the
     * bullet lines under "Server scenarios", up to the first blank line.
     */
    static Set<String> scoredServerScenarios(String listOutput) {
        Set<String> scored = new LinkedHashSet<>();
        boolean inServer = false;
        for (String line : listOutput.split("\\R")) {
            if (line.startsWith("Server scenarios")) {
                inServer = true;
            } else if (inServer && line.isBlank()) {
                break;
            } else if (inServer && line.strip().startsWith("- ")) {
                scored.add(line.strip().substring(2).strip());
            }
        }
        return scored;
    }
}
