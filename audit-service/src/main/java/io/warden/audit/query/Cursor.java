package io.warden.audit.query;

import io.warden.audit.problem.ProblemException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The position after the last decision of a page: its (time, id), the listing's sort key. Clients see an opaque
 * base64url token; only this class reads or writes it. Keyset, not offset: rows inserted meanwhile never shift a walk.
 */
public record Cursor(Instant time, UUID id) {

    private static final String VERSION = "v1";

    public String encode() {
        long micros = Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
        String plain = VERSION + ":" + micros + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ProblemException 400 naming {@code cursor} for anything this class did not write */
    public static Cursor decode(String token) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] parts = plain.split(":", -1);
            if (parts.length != 3 || !parts[0].equals(VERSION)) {
                throw new IllegalArgumentException("not a cursor");
            }
            long micros = Long.parseLong(parts[1]);
            UUID id = UUID.fromString(parts[2]);
            if (!id.toString().equals(parts[2])) {
                throw new IllegalArgumentException("not canonical");
            }
            return new Cursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1000L), id);
        } catch (RuntimeException e) {
            throw ProblemException.badParameter("cursor",
                    "cursor is not one this API returned; start again without it");
        }
    }
}
