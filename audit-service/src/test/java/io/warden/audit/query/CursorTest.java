package io.warden.audit.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.warden.audit.problem.ProblemException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {

    @ParameterizedTest
    @ValueSource(strings = {"2026-12-03T08:00:00.123456Z", "2026-12-03T08:00:00Z", "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z"})
    void roundTripsToTheMicrosecond(String time) {
        Cursor cursor = new Cursor(Instant.parse(time), UUID.randomUUID());
        assertEquals(cursor, Cursor.decode(cursor.encode()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!!!", "djE6", "v1:1:" /* not base64 of anything valid */, "djI6MTowMDAwMDAwMC0wMDAw"})
    void anythingElseIsABadCursor(String token) {
        ProblemException e = assertThrows(ProblemException.class, () -> Cursor.decode(token));
        assertEquals("cursor", e.problem().parameter());
        assertEquals(400, e.problem().status());
    }

    @org.junit.jupiter.api.Test
    void aNonCanonicalIdIsRefused() {
        String plain = "v1:0:" + UUID.randomUUID().toString().toUpperCase();
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        assertThrows(ProblemException.class, () -> Cursor.decode(token));
    }
}
