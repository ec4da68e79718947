package io.warden.audit.query;

import io.warden.audit.config.AuditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** Reads decisions: a page newest first, one by id, and a whole filtered range as a stream. */
@ApplicationScoped
public class DecisionQueries {

    /** One page: its events and where the next one starts (null on the last page). */
    public record Page(List<RawJson> items, Cursor next) {
    }

    private static final int EXPORT_FETCH_SIZE = 500;

    private final DataSource dataSource;
    private final int timeoutSeconds;

    public DecisionQueries(DataSource dataSource, AuditConfig config) {
        this.dataSource = dataSource;
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    /** Up to {@code limit} decisions after {@code after} (null: from the newest), newest first. */
    public Page page(DecisionFilter filter, Cursor after, int limit) throws SQLException {
        SqlWhere where = SqlWhere.of(filter);
        if (after != null) {
            where.and("(time, id) < (?, ?)", SqlWhere.timestamp(after.time()), after.id());
        }
        String sql = "SELECT event::text, time, id FROM decisions" + where.sql() + " ORDER BY time DESC, id DESC LIMIT ?";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setInt(where.bind(statement), limit + 1);
            List<RawJson> items = new ArrayList<>(limit);
            Cursor last = null;
            boolean more = false;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if (items.size() == limit) {
                        more = true;
                        break;
                    }
                    items.add(new RawJson(rows.getString(1)));
                    last = new Cursor(rows.getObject(2, OffsetDateTime.class).toInstant(), rows.getObject(3, UUID.class));
                }
            }
            return new Page(items, more ? last : null);
        }
    }

    public Optional<RawJson> byId(UUID id) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT event::text FROM decisions WHERE id = ? ORDER BY time DESC LIMIT 1")) {
            statement.setQueryTimeout(timeoutSeconds);
            statement.setObject(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new RawJson(rows.getString(1))) : Optional.empty();
            }
        }
    }

    /**
     * Every matching decision, newest first, through a server-side cursor (memory stays flat however large the range).
     * The query runs here, so an unavailable database fails now, before any byte of a response is sent; the caller
     * reads the rows and closes them.
     */
    public Rows open(DecisionFilter filter) throws SQLException {
        SqlWhere where = SqlWhere.of(filter);
        String sql = "SELECT event::text FROM decisions" + where.sql() + " ORDER BY time DESC, id DESC";
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(false); // pgjdbc uses a cursor for fetchSize only inside a transaction
            PreparedStatement statement = connection.prepareStatement(sql);
            statement.setFetchSize(EXPORT_FETCH_SIZE);
            where.bind(statement);
            return new Rows(connection, statement.executeQuery());
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The stored events of an export, one at a time; closing ends the read-only transaction and frees the connection. */
    public static final class Rows implements AutoCloseable {
        private final Connection connection;
        private final ResultSet rows;

        private Rows(Connection connection, ResultSet rows) {
            this.connection = connection;
            this.rows = rows;
        }

        /** The next event's JSON, or null after the last. */
        public String next() throws SQLException {
            return rows.next() ? rows.getString(1) : null;
        }

        @Override
        public void close() throws SQLException {
            try {
                rows.close();
                connection.rollback(); // read only
                connection.setAutoCommit(true);
            } finally {
                connection.close();
            }
        }
    }
}
