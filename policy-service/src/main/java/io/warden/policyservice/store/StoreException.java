package io.warden.policyservice.store;

import java.sql.SQLException;

/** A database failure, carrying the SQLSTATE so the API can tell a conflict from an outage. */
public class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super("database error (SQLSTATE " + cause.getSQLState() + ")", cause);
    }

    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
