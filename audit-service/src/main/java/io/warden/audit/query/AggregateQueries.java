package io.warden.audit.query;

import io.warden.api.DecisionEvent;
import io.warden.audit.config.AuditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/** The dashboard's aggregates, each one SQL statement over the filtered decisions. */
@ApplicationScoped
public class AggregateQueries {

    /** Counts per outcome in one time bucket; every outcome is present, zero when none. */
    public record Bucket(Instant start, Map<String, Long> counts, long total) {
    }

    /** A value and how often it occurred. */
    public record Count(String value, long count) {
    }

    /** One grant's decisions, in total and per outcome. */
    public record GrantUsage(String grantId, long total, Map<String, Long> counts) {
    }

    /** Percentiles of one latency in microseconds over {@code count} decisions; null values when count is 0. */
    public record Percentiles(long count, Long p50, Long p90, Long p95, Long p99, Long max) {
    }

    private static final List<String> OUTCOMES = Arrays.stream(DecisionEvent.Outcome.values())
            .map(DecisionEvent.Outcome::wire).toList();

    private final DataSource dataSource;
    private final int timeoutSeconds;

    public AggregateQueries(DataSource dataSource, AuditConfig config) {
        this.dataSource = dataSource;
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    /**
     * Counts per outcome per bucket over [filter.from, filter.to) (both set), buckets aligned on multiples of the width
     * since the epoch, empty buckets included.
     */
    public List<Bucket> outcomesOverTime(DecisionFilter filter, Duration width) throws SQLException {
        SqlWhere where = SqlWhere.of(filter);
        String sql = "SELECT date_bin(make_interval(secs => ?), time, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,"
                + " outcome, count(*) FROM decisions" + where.sql() + " GROUP BY 1, 2";
        Map<Instant, Map<String, Long>> found = new TreeMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setLong(1, width.toSeconds());
            where.bind(statement, 2);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.computeIfAbsent(rows.getObject(1, OffsetDateTime.class).toInstant(), k -> new TreeMap<>())
                            .merge(rows.getString(2), rows.getLong(3), Long::sum);
                }
            }
        }
        List<Bucket> buckets = new ArrayList<>();
        long seconds = width.toSeconds();
        Instant start = Instant.ofEpochSecond(Math.floorDiv(filter.from().getEpochSecond(), seconds) * seconds);
        for (Instant at = start; at.isBefore(filter.to()); at = at.plus(width)) {
            Map<String, Long> counts = zeroes();
            found.getOrDefault(at, Map.of()).forEach((outcome, n) -> counts.merge(outcome, n, Long::sum));
            buckets.add(new Bucket(at, counts, counts.values().stream().mapToLong(Long::longValue).sum()));
        }
        return buckets;
    }

    /** The most frequent values of a column among denied decisions ({@code outcome = deny}), most frequent first. */
    public List<Count> topDenied(DecisionFilter filter, String column, int limit) throws SQLException {
        if (!column.equals("tool") && !column.equals("rule")) {
            throw new IllegalArgumentException(column);
        }
        SqlWhere where = SqlWhere.of(filter).and("outcome = ?", DecisionEvent.Outcome.DENIED.wire())
                .and(column + " IS NOT NULL");
        String sql = "SELECT " + column + ", count(*) AS n FROM decisions" + where.sql() + " GROUP BY 1"
                + " ORDER BY n DESC, 1 LIMIT ?";
        List<Count> counts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setInt(where.bind(statement), limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts.add(new Count(rows.getString(1), rows.getLong(2)));
                }
            }
        }
        return counts;
    }

    /** Decisions per grant, most active first, with the split per outcome. */
    public List<GrantUsage> perGrant(DecisionFilter filter, int limit) throws SQLException {
        SqlWhere where = SqlWhere.of(filter);
        StringBuilder sql = new StringBuilder("SELECT grant_id, count(*) AS n");
        for (int i = 0; i < OUTCOMES.size(); i++) {
            sql.append(", count(*) FILTER (WHERE outcome = ?)");
        }
        sql.append(" FROM decisions").append(where.sql()).append(" GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?");
        List<GrantUsage> usage = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            statement.setQueryTimeout(timeoutSeconds);
            int index = 1;
            for (String outcome : OUTCOMES) {
                statement.setString(index++, outcome);
            }
            statement.setInt(where.bind(statement, index), limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    for (int i = 0; i < OUTCOMES.size(); i++) {
                        counts.put(OUTCOMES.get(i), rows.getLong(3 + i));
                    }
                    usage.add(new GrantUsage(rows.getString(1), rows.getLong(2), counts));
                }
            }
        }
        return usage;
    }

    /** Gateway and upstream latency percentiles (nearest rank: values that were observed). */
    public Map<String, Percentiles> latency(DecisionFilter filter) throws SQLException {
        SqlWhere where = SqlWhere.of(filter);
        String sql = "SELECT count(gateway_micros),"
                + " percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY gateway_micros),"
                + " max(gateway_micros), count(upstream_micros),"
                + " percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY upstream_micros),"
                + " max(upstream_micros) FROM decisions" + where.sql();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            where.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                Map<String, Percentiles> result = new LinkedHashMap<>();
                result.put("gateway_micros", percentiles(rows, 1));
                result.put("upstream_micros", percentiles(rows, 4));
                return result;
            }
        }
    }

    private static Percentiles percentiles(ResultSet rows, int column) throws SQLException {
        long count = rows.getLong(column);
        java.sql.Array array = rows.getArray(column + 1);
        Long max = rows.getObject(column + 2, Long.class);
        if (count == 0 || array == null) {
            return new Percentiles(0, null, null, null, null, null);
        }
        Object[] values = (Object[]) array.getArray();
        return new Percentiles(count, asLong(values[0]), asLong(values[1]), asLong(values[2]), asLong(values[3]), max);
    }

    private static Long asLong(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }

    private static Map<String, Long> zeroes() {
        Map<String, Long> counts = new LinkedHashMap<>();
        OUTCOMES.forEach(outcome -> counts.put(outcome, 0L));
        return counts;
    }
}
