package io.warden.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.session.SessionCodec.Invalid;
import io.warden.gateway.session.SessionCodec.Opened;
import io.warden.gateway.session.SessionCodec.Reason;
import io.warden.gateway.session.SessionCodec.Valid;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SessionCodecTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final String UPSTREAM_ID = "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b"; // 36 characters, like most SDKs mint

    private final MutableClock clock = new MutableClock(Instant.parse("2026-08-01T10:00:00Z"));
    private final String keyA = SessionKeys.generate();
    private final String keyB = SessionKeys.generate();

    @Test
    void roundTripKeepsEveryField() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        String token = codec.seal("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-11-25");

        SessionState state = valid(codec.open(token));

        assertEquals(new SessionState("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-11-25",
                clock.instant().getEpochSecond() + TTL.getSeconds()), state);
    }

    @Test
    void roundTripWithStatelessUpstreamAndNonAsciiIds() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        String token = codec.seal("dépôt-ü", "grant-✓", null, "2025-03-26", "2025-03-26");

        SessionState state = valid(codec.open(token));

        assertEquals("dépôt-ü", state.serverId());
        assertEquals("grant-✓", state.grantId());
        assertEquals(null, state.upstreamSessionId());
    }

    @Test
    void tokenIsSmallUrlSafeVisibleAsciiAndFreshEachTime() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        String first = codec.seal("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-06-18");
        String second = codec.seal("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-06-18");

        assertNotEquals(first, second, "a random nonce per token");
        assertTrue(first.length() < 200, "typical token is " + first.length() + " chars");
        assertTrue(first.matches("[A-Za-z0-9_-]+"), first);
        assertFalse(first.contains(UPSTREAM_ID));
        first.chars().forEach(c -> assertTrue(c >= 0x21 && c <= 0x7e));
    }

    @Test
    void alteringAnyByteIsRefused() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        byte[] bytes = Base64.getUrlDecoder().decode(codec.seal("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-06-18"));

        for (int i = 0; i < bytes.length; i++) {
            byte[] altered = bytes.clone();
            altered[i] ^= 0x01;
            Reason expected = i == 0 ? Reason.MALFORMED          // format version
                    : i <= SessionKeys.KEY_ID_BYTES ? Reason.UNKNOWN_KEY // key id
                    : Reason.TAMPERED;                                  // nonce, ciphertext, tag
            assertEquals(expected, reason(codec.open(Base64.getUrlEncoder().withoutPadding().encodeToString(altered))),
                    "byte " + i);
        }
    }

    @Test
    void alteringAnyCharacterIsRefused() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        String token = codec.seal("github", "grant-ci", UPSTREAM_ID, "2025-06-18", "2025-06-18");

        for (int i = 0; i < token.length(); i++) {
            for (char replacement : new char[] {'A', 'B', 'f', '-', '_', '+', '/', '='}) {
                if (token.charAt(i) == replacement) {
                    continue;
                }
                String altered = token.substring(0, i) + replacement + token.substring(i + 1);
                assertInstanceOf(Invalid.class, codec.open(altered), "position " + i + " -> " + replacement);
            }
        }
        assertEquals(Reason.MALFORMED, reason(codec.open(token + "=")), "padding is not our spelling");
        assertInstanceOf(Invalid.class, codec.open(token.substring(0, token.length() - 4)), "truncated");
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        String shortened = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(bytes, bytes.length - 3));
        assertEquals(Reason.TAMPERED, reason(codec.open(shortened)), "truncated bytes");
    }

    @Test
    void garbageNeverThrows() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        List<String> inputs = new ArrayList<>(List.of("", " ", "!!!", "null", "é", "AAAA", "a".repeat(10_000),
                "A".repeat(45), "Ag" + "A".repeat(60), "\u0000\u0001"));
        inputs.add(null);
        Random random = new Random(42);
        for (int n = 0; n < 2_000; n++) {
            byte[] bytes = new byte[random.nextInt(120)];
            random.nextBytes(bytes);
            inputs.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
            inputs.add(new String(bytes, StandardCharsets.ISO_8859_1));
        }

        for (String input : inputs) {
            assertInstanceOf(Invalid.class, codec.open(input));
        }
        assertEquals(Reason.MALFORMED, reason(codec.open(null)));
        assertEquals(Reason.MALFORMED, reason(codec.open("")));
        assertEquals(Reason.MALFORMED, reason(codec.open("a".repeat(10_000))));
        assertEquals(Reason.MALFORMED, reason(codec.open("Ag" + "A".repeat(60))), "unknown format version 2");
    }

    @Test
    void tokenFromAnotherKeyIsUnknownKey() {
        String token = SessionCodec.create(List.of(keyA), TTL, clock).seal("github", "g", null, "2025-06-18", "2025-06-18");

        assertEquals(Reason.UNKNOWN_KEY, reason(SessionCodec.create(List.of(keyB), TTL, clock).open(token)));
        assertEquals(Reason.UNKNOWN_KEY, reason(SessionCodec.ephemeral(TTL, clock).open(token)));
    }

    @Test
    void expiresExactlyAtTheTtl() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);
        String token = codec.seal("github", "g", UPSTREAM_ID, "2025-06-18", "2025-06-18");

        clock.advance(TTL.minusSeconds(1));
        assertInstanceOf(Valid.class, codec.open(token));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Reason.EXPIRED, reason(codec.open(token)));
    }

    @Test
    void rotationOpensOldTokensAndSealsWithTheNewPrimary() {
        SessionCodec before = SessionCodec.create(List.of(keyA), TTL, clock);
        String oldToken = before.seal("github", "g", UPSTREAM_ID, "2025-06-18", "2025-06-18");

        SessionCodec during = SessionCodec.create(List.of(keyB, keyA), TTL, clock);
        String newToken = during.seal("github", "g", UPSTREAM_ID, "2025-06-18", "2025-06-18");
        assertInstanceOf(Valid.class, during.open(oldToken), "old primary still opens while listed second");
        assertInstanceOf(Valid.class, during.open(newToken));
        assertEquals(Reason.UNKNOWN_KEY, reason(before.open(newToken)), "new tokens are sealed with the new primary");

        SessionCodec after = SessionCodec.create(List.of(keyB), TTL, clock);
        assertInstanceOf(Valid.class, after.open(newToken));
        assertEquals(Reason.UNKNOWN_KEY, reason(after.open(oldToken)), "old key removed after the overlap");
    }

    @Test
    void keysInEitherBase64AlphabetAreAccepted() {
        byte[] raw = Base64.getDecoder().decode(keyA);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String token = SessionCodec.create(List.of(keyA), TTL, clock).seal("s", "g", null, "2025-06-18", "2025-06-18");

        assertInstanceOf(Valid.class, SessionCodec.create(List.of(urlSafe), TTL, clock).open(token));
        assertInstanceOf(Valid.class, SessionCodec.create(List.of(" " + keyA + "\n"), TTL, clock).open(token));
    }

    @Test
    void badKeyConfigurationIsRejectedWithoutEchoingTheKey() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        assertThrows(IllegalArgumentException.class, () -> SessionCodec.create(List.of(), TTL, clock));
        IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class,
                () -> SessionCodec.create(List.of(keyA, shortKey), TTL, clock));
        assertTrue(wrongLength.getMessage().contains("#2"), wrongLength.getMessage());
        assertFalse(wrongLength.getMessage().contains(shortKey));
        IllegalArgumentException notBase64 = assertThrows(IllegalArgumentException.class,
                () -> SessionCodec.create(List.of("not base64 at all!"), TTL, clock));
        assertFalse(notBase64.getMessage().contains("not base64 at all!"));
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.create(List.of(keyA, keyA), TTL, clock));
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.create(List.of(keyA), Duration.ZERO, clock));
    }

    @Test
    void oversizedFieldIsRejectedAtSeal() {
        SessionCodec codec = SessionCodec.create(List.of(keyA), TTL, clock);

        assertThrows(IllegalArgumentException.class,
                () -> codec.seal("s", "g", "x".repeat(SessionCodec.MAX_FIELD_BYTES + 1), "2025-06-18", "2025-06-18"));
        String longest = codec.seal("s", "g", "x".repeat(SessionCodec.MAX_FIELD_BYTES), "2025-06-18", "2025-06-18");
        assertEquals("x".repeat(SessionCodec.MAX_FIELD_BYTES), valid(codec.open(longest)).upstreamSessionId());
    }

    @Test
    void generatedKeysAreRandom32ByteBase64() {
        String key = SessionKeys.generate();

        assertEquals(32, Base64.getDecoder().decode(key).length);
        assertNotEquals(key, SessionKeys.generate());
    }

    @Test
    void toStringWithholdsTheUpstreamSessionId() {
        SessionState state = new SessionState("s", "g", UPSTREAM_ID, "2025-06-18", "2025-06-18", 1L);

        assertFalse(state.toString().contains(UPSTREAM_ID), state.toString());
        assertFalse(new Valid(state).toString().contains(UPSTREAM_ID));
    }

    private static SessionState valid(Opened opened) {
        return assertInstanceOf(Valid.class, opened).state();
    }

    private static Reason reason(Opened opened) {
        return assertInstanceOf(Invalid.class, opened).reason();
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
