package io.warden.policyservice.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One API call, one transaction: the work runs on one connection and is committed only when it returns; any
 * exception (a problem found half-way included) rolls everything back, so nothing is ever half-written.
 */
@ApplicationScoped
public class Database {

    /** Work done inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    public Database(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> T inTransaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Read-only work that sees one consistent state of the whole store (REPEATABLE READ), e.g. a full snapshot read
     * with many queries.
     */
    public <T> T consistentRead(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            int isolation = connection.getTransactionIsolation();
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setReadOnly(false);
                connection.setTransactionIsolation(isolation);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Read-only work (still one snapshot of the data). */
    public <T> T read(Work<T> work) {
        return inTransaction(work);
    }
}
