package io.warden.testsupport.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresServerIT {

    @Test
    void servesJdbcOnAFreePortAndSurvivesARestart() throws SQLException {
        try (PostgresServer pg = PostgresServer.launch()) {
            assertNotEquals(5432, pg.port());
            assertTrue(pg.version().startsWith("1"), pg.version());
            pg.createDatabase("warden_it");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_it"), pg.username(), pg.password());
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getInt(1));
                }
                s.execute("CREATE TABLE t (id int primary key)");
                s.execute("INSERT INTO t VALUES (7)");
            }
            pg.stop();
            assertFalse(pg.isReady());
            pg.start();
            assertEquals("7", pg.psql("warden_it", "SELECT id FROM t"));
        }
    }
}
