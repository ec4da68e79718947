package io.warden.audit.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlWhereTest {

    @Test
    void noFilterNoClause() {
        assertEquals("", SqlWhere.of(DecisionFilter.all()).sql());
    }

    @Test
    void everyValueIsAParameterNeverSQL() {
        Instant from = Instant.parse("2026-12-03T08:00:00Z");
        SqlWhere where = SqlWhere.of(new DecisionFilter(from, null, "s'; DROP TABLE decisions; --", null, "t",
                List.of("denied", "hidden"), null, "p", null, "100%_\\"));
        assertEquals(" WHERE time >= ? AND server_id = ? AND tool = ? AND policy_id = ? AND outcome IN (?, ?)"
                + " AND message ILIKE ?", where.sql());
        assertEquals(List.of(OffsetDateTime.of(2026, 12, 3, 8, 0, 0, 0, ZoneOffset.UTC),
                "s'; DROP TABLE decisions; --", "t", "p", "denied", "hidden", "%100\\%\\_\\\\%"), where.params());
    }
}
