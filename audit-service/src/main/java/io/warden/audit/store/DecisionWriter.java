package io.warden.audit.store;

import io.warden.api.DecisionEvent;
import io.warden.api.GatewayHeartbeat;
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
 * batch is one transaction; when this returns, it is committed. The rollups (migration V4) are kept by triggers on the
 * tables, inside that transaction, from the rows the statements really inserted or merged.
 */
@ApplicationScoped
public class DecisionWriter {

    /**
     * {@code INSERT INTO decisions (<stored properties>, event) SELECT * FROM unnest(?::<type>[], …) ON CONFLICT DO
     * NOTHING}, built from {@link DecisionColumns#STORED}.
     */
    private static final String INSERT = "INSERT INTO decisions ("
            + String.join(", ", DecisionColumns.STORED.stream().map(DecisionColumns.Property::name).toList())
            + ", event) SELECT * FROM unnest("
            + String.join(", ", DecisionColumns.STORED.stream().map(p -> "?::" + p.sqlType() + "[]").toList())
            + ", ?::jsonb[]) ON CONFLICT DO NOTHING";
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
        List<StoredDecision> decisions = new ArrayList<>(batch.size());
        List<StoredDecision> completions = new ArrayList<>();
        List<StoredDecision> heartbeats = new ArrayList<>();
        for (StoredDecision d : batch) {
            (d.isHeartbeat() ? heartbeats : d.isCompletion() ? completions : decisions).add(d);
        }
        if (!decisions.isEmpty()) {
            partitions.ensure(connection, Partitions.daysOf(decisions.stream().map(StoredDecision::time).toList()));
        }
        connection.setAutoCommit(false);
        try {
            int inserted = 0;
            if (!decisions.isEmpty()) {
                try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
                    Columns columns = new Columns(decisions.size());
                    decisions.forEach(columns::add);
                    columns.bind(connection, statement);
                    inserted += statement.executeUpdate();
                }
            }
            inserted += insertCompletions(connection, completions);
            mergeCompletions(connection, batch);
            inserted += insertHeartbeats(connection, heartbeats);
            connection.commit();
            return inserted;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection, e);
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static final String INSERT_COMPLETIONS = """
            INSERT INTO completions (id, time, instance, sequence, outcome, upstream_status, gateway_micros,
                                     upstream_micros, event)
            SELECT * FROM unnest(?::uuid[], ?::timestamptz[], ?::text[], ?::int8[], ?::text[], ?::int4[], ?::int8[],
                                 ?::int8[], ?::jsonb[])
            ON CONFLICT DO NOTHING""";

    /**
     * Applies every stored completion of the batch's ids to its decision row, whichever of the two came first; a row is
     * completed once. The row's event gets the completion's view of how the call ended, and {@code completed: true}.
     */
    private static final String MERGE = """
            UPDATE decisions d
               SET outcome = c.outcome, upstream_status = c.upstream_status, gateway_micros = c.gateway_micros,
                   upstream_micros = c.upstream_micros, completed = true,
                   event = d.event || jsonb_build_object('outcome', c.outcome, 'upstream_status', c.upstream_status,
                           'gateway_micros', c.gateway_micros, 'upstream_micros', c.upstream_micros,
                           'flags', c.event -> 'flags', 'refund', c.event -> 'refund', 'completed', true)
              FROM completions c
             WHERE c.id = d.id AND c.time = d.time AND NOT d.completed
               AND (d.id, d.time) IN (SELECT * FROM unnest(?::uuid[], ?::timestamptz[]))""";

    private static final String INSERT_HEARTBEATS = """
            INSERT INTO gateway_heartbeats (instance, time, gateway_id, sequence, dropped, dropped_total, last)
            SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::int8[], ?::jsonb[], ?::int8[], ?::bool[])
            ON CONFLICT DO NOTHING""";

    private static int insertCompletions(Connection connection, List<StoredDecision> completions) throws SQLException {
        if (completions.isEmpty()) {
            return 0;
        }
        int n = completions.size();
        String[] ids = new String[n], times = new String[n], instances = new String[n], outcomes = new String[n],
                events = new String[n];
        Long[] sequences = new Long[n], gateway = new Long[n], upstream = new Long[n];
        Integer[] statuses = new Integer[n];
        for (int i = 0; i < n; i++) {
            StoredDecision c = completions.get(i);
            DecisionEvent e = c.event();
            ids[i] = c.id().toString();
            times[i] = c.time().toString();
            instances[i] = e.instance();
            sequences[i] = e.sequence();
            outcomes[i] = e.outcome().wire();
            statuses[i] = e.upstreamStatus();
            gateway[i] = e.gatewayMicros();
            upstream[i] = e.upstreamMicros();
            events[i] = c.json();
        }
        try (PreparedStatement statement = connection.prepareStatement(INSERT_COMPLETIONS)) {
            statement.setArray(1, connection.createArrayOf("uuid", ids));
            statement.setArray(2, connection.createArrayOf("timestamptz", times));
            statement.setArray(3, connection.createArrayOf("text", instances));
            statement.setArray(4, connection.createArrayOf("int8", sequences));
            statement.setArray(5, connection.createArrayOf("text", outcomes));
            statement.setArray(6, connection.createArrayOf("int4", statuses));
            statement.setArray(7, connection.createArrayOf("int8", gateway));
            statement.setArray(8, connection.createArrayOf("int8", upstream));
            statement.setArray(9, connection.createArrayOf("jsonb", events));
            return statement.executeUpdate();
        }
    }

    private static void mergeCompletions(Connection connection, List<StoredDecision> batch) throws SQLException {
        List<String> ids = new ArrayList<>();
        List<String> times = new ArrayList<>();
        for (StoredDecision d : batch) {
            if (!d.isHeartbeat()) {
                ids.add(d.id().toString());
                times.add(d.time().toString());
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(MERGE)) {
            statement.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            statement.setArray(2, connection.createArrayOf("timestamptz", times.toArray()));
            statement.executeUpdate();
        }
    }

    private static int insertHeartbeats(Connection connection, List<StoredDecision> heartbeats) throws SQLException {
        if (heartbeats.isEmpty()) {
            return 0;
        }
        int n = heartbeats.size();
        String[] instances = new String[n], times = new String[n], gateways = new String[n], dropped = new String[n];
        Long[] sequences = new Long[n], totals = new Long[n];
        Boolean[] last = new Boolean[n];
        for (int i = 0; i < n; i++) {
            GatewayHeartbeat h = heartbeats.get(i).heartbeat();
            instances[i] = h.instance();
            times[i] = heartbeats.get(i).time().toString();
            gateways[i] = h.gatewayId();
            sequences[i] = h.sequence();
            dropped[i] = droppedJson(h);
            totals[i] = h.droppedTotal();
            last[i] = h.last();
        }
        try (PreparedStatement statement = connection.prepareStatement(INSERT_HEARTBEATS)) {
            statement.setArray(1, connection.createArrayOf("text", instances));
            statement.setArray(2, connection.createArrayOf("timestamptz", times));
            statement.setArray(3, connection.createArrayOf("text", gateways));
            statement.setArray(4, connection.createArrayOf("int8", sequences));
            statement.setArray(5, connection.createArrayOf("jsonb", dropped));
            statement.setArray(6, connection.createArrayOf("int8", totals));
            statement.setArray(7, connection.createArrayOf("bool", last));
            return statement.executeUpdate();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The counts by cause as a JSON object (the causes come from the record: escaped by Jackson). */
    private static String droppedJson(GatewayHeartbeat h) {
        try {
            return JSON.writeValueAsString(h.dropped());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of strings to numbers always serialises", e);
        }
    }

    private static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException suppressed) {
            failure.addSuppressed(suppressed); // the connection is most likely gone; the pool drops it
        }
    }

    /** The batch, column by column, in the order of {@link #INSERT}'s arrays: the stored properties, then the event. */
    private static final class Columns {
        private final List<List<Object>> values = new ArrayList<>();

        Columns(int rows) {
            for (int i = 0; i <= DecisionColumns.STORED.size(); i++) {
                values.add(new ArrayList<>(rows));
            }
        }

        void add(StoredDecision decision) {
            DecisionEvent e = decision.event();
            for (int i = 0; i < DecisionColumns.STORED.size(); i++) {
                values.get(i).add(DecisionColumns.STORED.get(i).value().apply(e));
            }
            values.get(DecisionColumns.STORED.size()).add(decision.json());
        }

        void bind(Connection connection, PreparedStatement statement) throws SQLException {
            for (int i = 0; i <= DecisionColumns.STORED.size(); i++) {
                String type = i < DecisionColumns.STORED.size() ? DecisionColumns.STORED.get(i).sqlType() : "jsonb";
                List<Object> column = values.get(i);
                Object[] typed = switch (type) {
                    case "int4" -> column.toArray(new Integer[0]);
                    case "int8" -> column.toArray(new Long[0]);
                    default -> column.stream().map(v -> v == null ? null : v.toString()).toArray(String[]::new);
                };
                Array array = connection.createArrayOf(type, typed);
                statement.setArray(i + 1, array);
            }
        }
    }
}
