package io.warden.testsupport.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-scenario outcome of one {@code conformance server} run, read from its printed summary: lines
 * {@code ✓ name: N passed, M failed} after {@code === SUMMARY ===}, and the "Not scored" list naming the
 * scenarios that do not count (extension, pending, added-after-release).
 */
public record ConformanceReport(String requirements, Map<String, Scenario> scenarios) {
    private static final Pattern LINE = Pattern.compile("^[✓✗]\\s+(\\S+):\\s+(\\d+) passed, (\\d+) failed");
    private static final Pattern UNSCORED = Pattern.compile("^\\s+[✓✗]\\s+(\\S+)\\s+\\(([^)]+)\\)\\s*$");

    /** One scenario: its check counts and, when it is not scored, why not (else empty). */
    public record Scenario(String name, int checksPassed, int checksFailed, Optional<String> unscoredBecause) {
        public boolean passed() {
            return checksFailed == 0;
        }

        public boolean scored() {
            return unscoredBecause.isEmpty();
        }
    }

    public static ConformanceReport parse(String requirements, String output) {
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        Map<String, String> unscored = new LinkedHashMap<>();
        boolean inSummary = false;
        for (String line : output.split("\r?\n")) {
            if (line.contains("=== SUMMARY ===")) {
                inSummary = true;
                continue;
            }
            if (!inSummary) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                scenarios.put(m.group(1), new Scenario(m.group(1), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)), Optional.empty()));
                continue;
            }
            Matcher u = UNSCORED.matcher(line);
            if (u.find()) {
                unscored.put(u.group(1), u.group(2));
            }
        }
        unscored.forEach((name, why) -> scenarios.computeIfPresent(name,
                (n, s) -> new Scenario(n, s.checksPassed(), s.checksFailed(), Optional.of(why))));
        return new ConformanceReport(requirements, scenarios);
    }

    /** Scored scenarios that failed. */
    public List<String> scoredFailures() {
        List<String> failed = new ArrayList<>();
        scenarios.values().stream().filter(s -> s.scored() && !s.passed()).forEach(s -> failed.add(s.name()));
        return failed;
    }

    /**
     * Scenarios that passed in {@code baseline} (e.g. directly against the fixture) but not here (e.g. through
     * Warden): the transparency regressions. A scenario missing here counts as a regression.
     */
    public List<String> regressionsAgainst(ConformanceReport baseline) {
        List<String> regressions = new ArrayList<>();
        for (Scenario base : baseline.scenarios().values()) {
            Scenario here = scenarios.get(base.name());
            if (base.passed() && (here == null || !here.passed())) {
                regressions.add(base.name());
            }
        }
        return regressions;
    }

    /** Names of the scenarios that passed (scored or not). */
    public List<String> passedScenarios() {
        return scenarios.values().stream().filter(Scenario::passed).map(Scenario::name).toList();
    }

    /** A Markdown table: scenario, scored?, result, checks. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder("| Scenario (" + requirements + ") | Scored | Result | Checks passed / failed |\n"
                + "|---|---|---|---|\n");
        scenarios.values().forEach(s -> md.append("| ").append(s.name()).append(" | ")
                .append(s.unscoredBecause().map(w -> "no (" + w + ")").orElse("yes")).append(" | ")
                .append(s.passed() ? "pass" : "fail").append(" | ")
                .append(s.checksPassed()).append(" / ").append(s.checksFailed()).append(" |\n"));
        return md.toString();
    }
}
