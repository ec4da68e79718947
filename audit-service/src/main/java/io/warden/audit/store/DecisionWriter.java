package io.warden.audit.store;

import io.warden.api.DecisionEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Inserts decisions, many per statement: one INSERT over {@code unnest} of one array per column (a single statement
 * and plan whatever the batch size), {@code ON CONFLICT DO NOTHING} so that a redelivered event is stored once. The
 * batch is one transaction; when this returns, it is committed.
 */
@ApplicationScoped
public class DecisionWriter {

    private static final String INSERT = """
            INSERT INTO decisions (id, time, gateway_id, server_id, grant_id, method, tool, outcome, rule, message,
                                   policy_id, policy_version, upstream_status, gateway_micros, upstream_micros, event)
            SELECT * FROM unnest(?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                 ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int4[], ?::int8[], ?::int8[],
                                 ?::jsonb[])
            ON CONFLICT DO NOTHING""";
    /** SQLSTATE of "no partition of relation found for row": a partition this pod believed in was dropped. */
    private static final String NO_PARTITION = "23514";

    private final DataSource dataSource;
    private final Partitions partitions;

    public DecisionWriter(DataSource dataSource, Partitions partitions) {
        this.dataSource = dataSource;
        this.partitions = partitions;
    }

    /**
     * Stores the batch in one transaction (creating missing day partitions first); returns how many rows were new, the
     * rest being duplicates of stored events.
     */
    public int insert(List<StoredDecision> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection()) {
            try {
                return insert(connection, batch);
            } catch (SQLException e) {
                if (!NO_PARTITION.equals(e.getSQLState())) {
                    throw e;
                }
                partitions.forget();
                return insert(connection, batch);
            }
        }
    }

    private int insert(Connection connection, List<StoredDecision> batch) throws SQLException {
        partitions.ensure(connection, Partitions.daysOf(batch.stream().map(StoredDecision::time).toList()));
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            Columns columns = new Columns(batch.size());
            batch.forEach(columns::add);
            columns.bind(connection, statement);
            int inserted = statement.executeUpdate();
            connection.commit();
            return inserted;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection, e);
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException suppressed) {
            failure.addSuppressed(suppressed); // the connection is most likely gone; the pool drops it
        }
    }

    /** The batch, column by column, in the order of {@link #INSERT}'s arrays. */
    private static final class Columns {
        private final List<List<Object>> values = new ArrayList<>();
        private static final String[] TYPES = {"uuid", "timestamptz", "text", "text", "text", "text", "text", "text",
                "text", "text", "text", "text", "int4", "int8", "int8", "jsonb"};

        Columns(int rows) {
            for (int i = 0; i < TYPES.length; i++) {
                values.add(new ArrayList<>(rows));
            }
        }

        void add(StoredDecision decision) {
            DecisionEvent e = decision.event();
            Object[] row = {decision.id().toString(), decision.time().toString(), e.gatewayId(), e.serverId(),
                    e.grantId(), e.method(), e.tool(), e.outcome().wire(), e.rule(), e.message(), e.policyId(),
                    e.policyVersion(), e.upstreamStatus(), e.gatewayMicros(), e.upstreamMicros(), decision.json()};
            for (int i = 0; i < row.length; i++) {
                values.get(i).add(row[i]);
            }
        }

        void bind(Connection connection, PreparedStatement statement) throws SQLException {
            for (int i = 0; i < TYPES.length; i++) {
                List<Object> column = values.get(i);
                Object[] typed = switch (TYPES[i]) {
                    case "int4" -> column.toArray(new Integer[0]);
                    case "int8" -> column.toArray(new Long[0]);
                    default -> column.toArray(new String[0]);
                };
                Array array = connection.createArrayOf(TYPES[i], typed);
                statement.setArray(i + 1, array);
            }
        }
    }
}
