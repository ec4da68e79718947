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

/**
 * The dashboard's aggregates, each one SQL statement over the filtered decisions: the per-minute rollups for whole
 * minutes and the raw rows for the rest ({@link Rollups}).
 */
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
     * since the epoch, empty buckets included. Whole minutes come from the per-minute rollup when the width is whole
     * minutes and the filter names at most a server and outcomes; with a grant, whole hours from the per-grant rollup
     * when the width is whole hours; anything else from the raw rows (a grant's are found through its index).
     */
    public List<Bucket> outcomesOverTime(DecisionFilter filter, Duration width) throws SQLException {
        List<SqlWhere> wheres = new ArrayList<>();
        Rollups.Table table = width.toSeconds() % 60 == 0 && Rollups.fits(Rollups.OUTCOMES, filter) ? Rollups.OUTCOMES
                : width.toSeconds() % 3600 == 0 ? Rollups.GRANTS : null;
        String rows = Rollups.rows(filter, table, table == null ? null : table.timeColumn() + " AS t, outcome, n",
                "time AS t, outcome, 1 AS n", null, null, wheres);
        String sql = "SELECT date_bin(make_interval(secs => ?), t, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,"
                + " outcome, sum(n) FROM " + rows + " GROUP BY 1, 2";
        Map<Instant, Map<String, Long>> found = new TreeMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setLong(1, width.toSeconds());
            Rollups.bind(statement, wheres, 2);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    found.computeIfAbsent(result.getObject(1, OffsetDateTime.class).toInstant(), k -> new TreeMap<>())
                            .merge(result.getString(2), result.getLong(3), Long::sum);
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

    /**
     * The most frequent values of a column among denied decisions ({@code outcome = denied}), most frequent first;
     * from the hourly denied rollup unless the filter names a grant, a policy or text.
     */
    public List<Count> topDenied(DecisionFilter filter, String column, int limit) throws SQLException {
        if (!column.equals("tool") && !column.equals("rule")) {
            throw new IllegalArgumentException(column);
        }
        String denied = DecisionEvent.Outcome.DENIED.wire();
        if (!filter.outcomes().isEmpty() && !filter.outcomes().contains(denied)) {
            return List.of(); // denied decisions restricted to other outcomes: none
        }
        DecisionFilter deniedOnly = new DecisionFilter(filter.from(), filter.to(), filter.server(), filter.grant(),
                filter.tool(), List.of(), filter.rule(), filter.policyId(), filter.policyVersion(), filter.text());
        List<SqlWhere> wheres = new ArrayList<>();
        String rows = Rollups.rows(deniedOnly, Rollups.DENIED, column + " AS v, n", column + " AS v, 1 AS n",
                where -> where.and("outcome = ?", denied).and(column + " IS NOT NULL"),
                where -> where.and(column + " IS NOT NULL"), wheres);
        String sql = "SELECT v, sum(n) AS c FROM " + rows + " GROUP BY 1 HAVING sum(n) > 0 ORDER BY c DESC, 1 LIMIT ?";
        List<Count> counts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setInt(Rollups.bind(statement, wheres, 1), limit);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    counts.add(new Count(result.getString(1), result.getLong(2)));
                }
            }
        }
        return counts;
    }

    /** Decisions per grant, most active first, with the split per outcome; from the hourly per-grant rollup when it fits. */
    public List<GrantUsage> perGrant(DecisionFilter filter, int limit) throws SQLException {
        List<SqlWhere> wheres = new ArrayList<>();
        String rows = Rollups.rows(filter, Rollups.GRANTS, "grant_id, outcome, n", "grant_id, outcome, 1 AS n", null,
                null, wheres);
        StringBuilder sql = new StringBuilder("SELECT grant_id, sum(n) AS total");
        for (int i = 0; i < OUTCOMES.size(); i++) {
            sql.append(", coalesce(sum(n) FILTER (WHERE outcome = ?), 0)");
        }
        sql.append(" FROM ").append(rows).append(" GROUP BY 1 HAVING sum(n) > 0 ORDER BY total DESC, 1 LIMIT ?");
        List<GrantUsage> usage = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            statement.setQueryTimeout(timeoutSeconds);
            int index = 1;
            for (String outcome : OUTCOMES) {
                statement.setString(index++, outcome);
            }
            statement.setInt(Rollups.bind(statement, wheres, index), limit);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    for (int i = 0; i < OUTCOMES.size(); i++) {
                        counts.put(OUTCOMES.get(i), result.getLong(3 + i));
                    }
                    usage.add(new GrantUsage(result.getString(1), result.getLong(2), counts));
                }
            }
        }
        return usage;
    }

    /**
     * Gateway and upstream latency percentiles (nearest rank) over histograms whose buckets are the latencies rounded
     * down to two significant digits ({@code warden_latency_bucket}: exact below 100 µs, at most 10 % low above):
     * the hourly latency rollup for whole hours when the filter is at most a server, the raw rows bucketed the same way
     * otherwise, so both give the same answer.
     */
    public Map<String, Percentiles> latency(DecisionFilter filter) throws SQLException {
        List<SqlWhere> wheres = new ArrayList<>();
        String gateway = Rollups.rows(filter, Rollups.LATENCY, "micros, n",
                "warden_latency_bucket(gateway_micros) AS micros, 1 AS n", null,
                where -> where.and("kind = 'gateway'"), wheres);
        String upstream = Rollups.rows(filter, Rollups.LATENCY, "micros, n",
                "warden_latency_bucket(upstream_micros) AS micros, 1 AS n", where -> where.and("upstream_micros IS NOT NULL"),
                where -> where.and("kind = 'upstream'"), wheres);
        String sql = "SELECT 'gateway_micros', micros, sum(n) FROM " + gateway + " GROUP BY 2 HAVING sum(n) > 0"
                + " UNION ALL SELECT 'upstream_micros', micros, sum(n) FROM " + upstream + " GROUP BY 2"
                + " HAVING sum(n) > 0 ORDER BY 1, 2";
        Map<String, List<long[]>> histograms = new LinkedHashMap<>();
        histograms.put("gateway_micros", new ArrayList<>());
        histograms.put("upstream_micros", new ArrayList<>());
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            Rollups.bind(statement, wheres, 1);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    histograms.get(result.getString(1)).add(new long[] {result.getLong(2), result.getLong(3)});
                }
            }
        }
        Map<String, Percentiles> percentiles = new LinkedHashMap<>();
        histograms.forEach((name, histogram) -> percentiles.put(name, percentiles(histogram)));
        return percentiles;
    }

    /** Nearest-rank percentiles of a histogram given as (value, count) pairs in ascending order of value. */
    static Percentiles percentiles(List<long[]> histogram) {
        long count = histogram.stream().mapToLong(bucket -> bucket[1]).sum();
        if (count == 0) {
            return new Percentiles(0, null, null, null, null, null);
        }
        long[] perTenThousand = {5_000, 9_000, 9_500, 9_900};
        Long[] values = new Long[perTenThousand.length];
        for (int r = 0; r < perTenThousand.length; r++) {
            long rank = (perTenThousand[r] * count + 9_999) / 10_000; // nearest rank: ceil(p * count), in integers
            long seen = 0;
            for (long[] bucket : histogram) {
                seen += bucket[1];
                if (seen >= rank) {
                    values[r] = bucket[0];
                    break;
                }
            }
        }
        return new Percentiles(count, values[0], values[1], values[2], values[3], histogram.get(histogram.size() - 1)[0]);
    }

    private static Map<String, Long> zeroes() {
        Map<String, Long> counts = new LinkedHashMap<>();
        OUTCOMES.forEach(outcome -> counts.put(outcome, 0L));
        return counts;
    }
}
