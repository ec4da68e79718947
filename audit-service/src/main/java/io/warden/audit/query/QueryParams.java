package io.warden.audit.query;

import io.warden.api.DecisionEvent;
import io.warden.audit.problem.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A request's query parameters, read strictly: a name the endpoint does not take, a single-valued parameter given twice,
 * or a value that does not parse is a {@link ProblemException} (400) naming the parameter. Pure; no JAX-RS types.
 */
public final class QueryParams {

    /** The filter parameters every listing, export and aggregate takes. */
    public static final Set<String> FILTERS = Set.of("from", "to", "server", "grant", "tool", "outcome", "rule",
            "policy_id", "policy_version", "q");
    /** Parameters that may be repeated (their values are OR-ed). */
    private static final Set<String> REPEATABLE = Set.of("outcome");
    private static final int MAX_VALUE_LENGTH = 1000;
    private static final Pattern BUCKET = Pattern.compile("([1-9][0-9]{0,5})([smhd])");
    private static final Set<String> OUTCOMES = Arrays.stream(DecisionEvent.Outcome.values())
            .map(DecisionEvent.Outcome::wire).collect(Collectors.toCollection(LinkedHashSet::new));

    private final Map<String, List<String>> values;

    /** @param allowed the names this endpoint takes; any other is refused */
    public QueryParams(Map<String, List<String>> values, Set<String> allowed) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            throw ProblemException.badParameter(name, "unknown parameter " + name + "; this endpoint takes "
                    + String.join(", ", new TreeSet<>(allowed)));
        }
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            if (entry.getValue().size() > 1 && !REPEATABLE.contains(entry.getKey())) {
                throw ProblemException.badParameter(entry.getKey(), entry.getKey() + " may be given only once");
            }
            for (String value : entry.getValue()) {
                if (value.length() > MAX_VALUE_LENGTH) {
                    throw ProblemException.badParameter(entry.getKey(),
                            entry.getKey() + " is longer than " + MAX_VALUE_LENGTH + " characters");
                }
            }
        }
        this.values = values;
    }

    /** The filter parameters as a {@link DecisionFilter}. */
    public DecisionFilter filter() {
        Instant from = instant("from");
        Instant to = instant("to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw ProblemException.badParameter("to", "to must be later than from");
        }
        List<String> outcomes = new ArrayList<>();
        for (String outcome : values.getOrDefault("outcome", List.of())) {
            if (!OUTCOMES.contains(outcome)) {
                throw ProblemException.badParameter("outcome",
                        "unknown outcome '" + outcome + "'; one of " + String.join(", ", OUTCOMES));
            }
            outcomes.add(outcome);
        }
        return new DecisionFilter(from, to, text("server"), text("grant"), text("tool"), outcomes, text("rule"),
                text("policy_id"), text("policy_version"), text("q"));
    }

    /** The single value, or null when absent; an empty value is refused (it would match nothing useful). */
    public String text(String name) {
        List<String> list = values.get(name);
        if (list == null || list.isEmpty()) {
            return null;
        }
        if (list.get(0).isEmpty()) {
            throw ProblemException.badParameter(name, name + " is empty; leave it out to match everything");
        }
        return list.get(0);
    }

    /** An ISO-8601 instant ({@code 2026-12-03T08:00:00Z}) or date-time with offset; null when absent. */
    public Instant instant(String name) {
        String value = text(name);
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ProblemException.badParameter(name,
                    name + " must be an ISO-8601 date-time with an offset, e.g. 2026-12-03T08:00:00Z");
        }
    }

    /** An integer in [1, max], or the default when absent. */
    public int limit(String name, int defaultValue, int max) {
        String value = text(name);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw ProblemException.badParameter(name, name + " must be an integer from 1 to " + max);
        }
        if (parsed < 1 || parsed > max) {
            throw ProblemException.badParameter(name, name + " must be from 1 to " + max + ", not " + parsed);
        }
        return parsed;
    }

    /** A bucket width such as {@code 30s}, {@code 5m}, {@code 1h} or {@code 1d}; the default when absent. */
    public Duration bucket(String name, Duration defaultValue) {
        String value = text(name);
        if (value == null) {
            return defaultValue;
        }
        Matcher matcher = BUCKET.matcher(value);
        if (!matcher.matches()) {
            throw ProblemException.badParameter(name, name + " must be a number and a unit (s, m, h or d), e.g. 5m");
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration bucket = switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (bucket.compareTo(Duration.ofDays(366)) > 0) {
            throw ProblemException.badParameter(name, name + " must be at most 366d");
        }
        return bucket;
    }

    /** One of the allowed values, or the default when absent. */
    public String choice(String name, String defaultValue, Set<String> allowed) {
        String value = text(name);
        if (value == null) {
            return defaultValue;
        }
        if (!allowed.contains(value)) {
            throw ProblemException.badParameter(name, name + " must be one of " + String.join(", ", new TreeSet<>(allowed)));
        }
        return value;
    }

    /** {@link #FILTERS} plus the given names. */
    public static Set<String> filtersAnd(String... names) {
        Set<String> all = new TreeSet<>(FILTERS);
        all.addAll(List.of(names));
        return all;
    }
}
