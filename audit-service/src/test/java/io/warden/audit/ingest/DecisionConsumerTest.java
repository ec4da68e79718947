package io.warden.audit.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecisionConsumerTest {

    @ParameterizedTest(name = "{0} poison={1}")
    @CsvSource({
            "22P05, true",   // untranslatable character (\u0000 in jsonb)
            "22021, true",   // invalid byte sequence
            "23502, true",   // not null
            "54000, true",   // index row too large
            "08006, false",  // connection failure
            "08001, false",  // cannot connect
            "57P01, false",  // admin shutdown
            "53300, false",  // too many connections
            "42P01, false",  // table missing (a migration not run): wait, do not dead-letter everything
            "40001, false",  // serialization failure
    })
    void onlyErrorsTheSameRowAlwaysHitsAreDeadLettered(String state, boolean poison) {
        assertEquals(poison, DecisionConsumer.isPoison(new SQLException("x", state)));
    }

    @org.junit.jupiter.api.Test
    void anErrorWithoutStateIsTransient() {
        assertEquals(false, DecisionConsumer.isPoison(new SQLException("pool timeout")));
    }
}
