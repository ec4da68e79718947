package io.warden.audit.query;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A WHERE clause built from a {@link DecisionFilter}, with every value bound as a parameter (nothing from a request is
 * ever spliced into SQL). Pure: {@link #sql()} and {@link #params()} can be checked without a database.
 */
public final class SqlWhere {

    private final List<String> conditions = new ArrayList<>();
    private final List<Object> params = new ArrayList<>();

    public static SqlWhere of(DecisionFilter filter) {
        SqlWhere where = new SqlWhere();
        if (filter.from() != null) {
            where.and("time >= ?", timestamp(filter.from()));
        }
        if (filter.to() != null) {
            where.and("time < ?", timestamp(filter.to()));
        }
        where.equal("server_id", filter.server());
        where.equal("grant_id", filter.grant());
        where.equal("tool", filter.tool());
        where.equal("rule", filter.rule());
        where.equal("policy_id", filter.policyId());
        where.equal("policy_version", filter.policyVersion());
        if (!filter.outcomes().isEmpty()) {
            where.and("outcome IN (" + String.join(", ", filter.outcomes().stream().map(o -> "?").toList()) + ")",
                    filter.outcomes().toArray());
        }
        if (filter.text() != null) {
            where.and("message ILIKE ?", "%" + escapeLike(filter.text()) + "%");
        }
        return where;
    }

    /** Adds a condition with its parameters, joined to the others with AND. */
    public SqlWhere and(String condition, Object... values) {
        conditions.add(condition);
        params.addAll(List.of(values));
        return this;
    }

    private void equal(String column, String value) {
        if (value != null) {
            and(column + " = ?", value);
        }
    }

    /** {@code WHERE a AND b …}, or the empty string when there is no condition. */
    public String sql() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    public List<Object> params() {
        return List.copyOf(params);
    }

    /** Binds the parameters from position 1; returns the next free position. */
    public int bind(PreparedStatement statement) throws SQLException {
        return bind(statement, 1);
    }

    /** Binds the parameters from {@code first} on, after parameters the statement has before the clause. */
    public int bind(PreparedStatement statement, int first) throws SQLException {
        int index = first;
        for (Object param : params) {
            statement.setObject(index++, param);
        }
        return index;
    }

    static OffsetDateTime timestamp(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** LIKE's wildcards and its escape character taken literally (PostgreSQL's default escape is the backslash). */
    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
