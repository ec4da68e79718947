package io.warden.audit.query;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where an aggregate reads its rows: the rollups of migration V4 (per minute or per hour) for the whole UTC minutes or
 * hours of the range, the raw decisions for the partial ones at either end (through the time index), or the
 * raw decisions alone when the filter asks for something the rollup does not keep (free text, a policy, a dimension
 * the table lacks). Either way the statement sees rows of the same shape, each with a count {@code n}: a rollup row
 * counts many decisions, a raw row one.
 */
final class Rollups {

    /**
     * A rollup table: its time column (the start of its UTC minute or hour), that period in seconds, and the filter
     * dimensions it keeps (of server, grant, tool, rule, outcome).
     */
    record Table(String name, String timeColumn, long seconds, Set<String> dimensions) {
    }

    static final Table OUTCOMES = new Table("decision_minutes", "minute", 60, Set.of("server", "outcome"));
    static final Table GRANTS = new Table("decision_hours_grants", "hour", 3600, Set.of("server", "grant", "outcome"));
    static final Table DENIED = new Table("decision_hours_denied", "hour", 3600, Set.of("server", "tool", "rule"));
    static final Table LATENCY = new Table("decision_hours_latency", "hour", 3600, Set.of("server"));

    /** The range [from, to) cut at whole periods: the rollup answers [a, b), raw rows [from, a) and [b, to). */
    record Split(Instant from, Instant a, Instant b, Instant to) {
        static Split of(Instant from, Instant to, long seconds) {
            Instant a = min(ceil(from, seconds), to);
            Instant b = max(floor(to, seconds), a);
            return new Split(from, a, b, to);
        }
    }

    private Rollups() {
    }

    /** Whether this table can answer this filter (a whole-range filter: from and to set). */
    static boolean fits(Table table, DecisionFilter filter) {
        return filter.text() == null && filter.policyId() == null && filter.policyVersion() == null
                && (filter.server() == null || table.dimensions().contains("server"))
                && (filter.grant() == null || table.dimensions().contains("grant"))
                && (filter.tool() == null || table.dimensions().contains("tool"))
                && (filter.rule() == null || table.dimensions().contains("rule"))
                && (filter.outcomes().isEmpty() || table.dimensions().contains("outcome"));
    }

    /**
     * {@code (SELECT rollupColumns … UNION ALL SELECT rawColumns …) rows}, the conditions' parameters appended to
     * {@code wheres} in the order they appear. {@code rollupColumns} and {@code rawColumns} must give the same columns,
     * ending with the count {@code n} (e.g. {@code "outcome, n"} and {@code "outcome, 1"}). {@code extraRaw} and
     * {@code extraRollup} add conditions of their own (null: none). Uses the table when {@code table} is not null and
     * fits the filter; otherwise raw rows answer the whole range.
     */
    static String rows(DecisionFilter filter, Table table, String rollupColumns, String rawColumns,
                       UnaryOperator<SqlWhere> extraRaw, UnaryOperator<SqlWhere> extraRollup, List<SqlWhere> wheres) {
        UnaryOperator<SqlWhere> raw = extraRaw == null ? UnaryOperator.identity() : extraRaw;
        if (table == null || !fits(table, filter)) {
            SqlWhere where = raw.apply(SqlWhere.of(filter));
            wheres.add(where);
            return "(SELECT " + rawColumns + " FROM decisions" + where.sql() + ") r";
        }
        Split split = Split.of(filter.from(), filter.to(), table.seconds());
        List<String> parts = new ArrayList<>();
        if (split.a().isBefore(split.b())) {
            SqlWhere where = new SqlWhere()
                    .and(table.timeColumn() + " >= ?", SqlWhere.timestamp(split.a()))
                    .and(table.timeColumn() + " < ?", SqlWhere.timestamp(split.b()));
            equal(where, "server_id", filter.server());
            equal(where, "grant_id", filter.grant());
            equal(where, "tool", filter.tool());
            equal(where, "rule", filter.rule());
            if (!filter.outcomes().isEmpty()) {
                where.and("outcome IN (" + String.join(", ", filter.outcomes().stream().map(o -> "?").toList()) + ")",
                        filter.outcomes().toArray());
            }
            if (extraRollup != null) {
                where = extraRollup.apply(where);
            }
            wheres.add(where);
            parts.add("SELECT " + rollupColumns + " FROM " + table.name() + where.sql());
        }
        for (Instant[] edge : new Instant[][] {{split.from(), split.a()}, {split.b(), split.to()}}) {
            if (edge[0].isBefore(edge[1])) {
                SqlWhere where = raw.apply(SqlWhere.of(filter.withRange(edge[0], edge[1])));
                wheres.add(where);
                parts.add("SELECT " + rawColumns + " FROM decisions" + where.sql());
            }
        }
        // never empty: from < to, so at least one of [from, a), [a, b), [b, to) holds something
        return "(" + String.join(" UNION ALL ", parts) + ") r";
    }

    /** Binds every clause's parameters in order from {@code first}; returns the next free position. */
    static int bind(java.sql.PreparedStatement statement, List<SqlWhere> wheres, int first) throws java.sql.SQLException {
        int index = first;
        for (SqlWhere where : wheres) {
            index = where.bind(statement, index);
        }
        return index;
    }

    private static void equal(SqlWhere where, String column, String value) {
        if (value != null) {
            where.and(column + " = ?", value);
        }
    }

    static Instant floor(Instant t, long seconds) {
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), seconds) * seconds);
    }

    static Instant ceil(Instant t, long seconds) {
        Instant floor = floor(t, seconds);
        return floor.equals(t) ? t : floor.plusSeconds(seconds);
    }

    private static Instant min(Instant x, Instant y) {
        return x.isBefore(y) ? x : y;
    }

    private static Instant max(Instant x, Instant y) {
        return x.isAfter(y) ? x : y;
    }
}
