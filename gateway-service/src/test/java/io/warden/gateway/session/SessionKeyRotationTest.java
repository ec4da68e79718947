package io.warden.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.session.SessionCodec.Invalid;
import io.warden.gateway.session.SessionCodec.Reason;
import io.warden.gateway.session.SessionCodec.Valid;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The rolling-deploy rotation of docs/configuration.md, with two pods that are mid-rollout at every step: (1) the new
 * key is added second everywhere, (2) it is moved first, (3) the old one is removed. At no step may a session sealed by
 * one pod be refused by the other; and the shortcut (new key first on one pod while the other has only the old) breaks.
 */
class SessionKeyRotationTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-07-28T10:00:00Z"), ZoneOffset.UTC);
    private final String oldKey = SessionKeys.generate();
    private final String newKey = SessionKeys.generate();

    private static SessionCodec pod(String... keys) {
        return SessionCodec.create(List.of(keys), TTL, CLOCK);
    }

    private static String seal(SessionCodec pod) {
        return pod.seal("server", "grant", "upstream-session", "2025-11-25", "2025-11-25");
    }

    private static void opens(SessionCodec pod, String token, String step) {
        assertInstanceOf(Valid.class, pod.open(token), step);
    }

    @Test
    void everyStepOfTheRotationKeepsEveryPodsSessionsOpenOnEveryOtherPod() {
        SessionCodec before = pod(oldKey);
        String sealedBefore = seal(before);

        // Step 1, mid-rollout: one pod accepts the new key, the other does not know it yet. Both still seal with the old.
        SessionCodec step1 = pod(oldKey, newKey);
        for (SessionCodec[] pair : new SessionCodec[][] {{before, step1}, {step1, before}}) {
            opens(pair[1], seal(pair[0]), "step 1");
        }
        opens(step1, sealedBefore, "step 1");

        // Step 2, mid-rollout: one pod seals with the new key; every pod accepts it since step 1.
        SessionCodec step2 = pod(newKey, oldKey);
        for (SessionCodec[] pair : new SessionCodec[][] {{step1, step2}, {step2, step1}}) {
            opens(pair[1], seal(pair[0]), "step 2");
        }
        opens(step2, sealedBefore, "step 2");

        // Step 3, mid-rollout (one TTL after step 2 ended): the old key goes; every pod seals with the new one by now.
        SessionCodec step3 = pod(newKey);
        for (SessionCodec[] pair : new SessionCodec[][] {{step2, step3}, {step3, step2}}) {
            opens(pair[1], seal(pair[0]), "step 3");
        }
        assertEquals(Reason.UNKNOWN_KEY, ((Invalid) step3.open(sealedBefore)).reason(),
                "a session sealed with the removed key is refused: hence the wait of one TTL before step 3");
    }

    @Test
    void skippingStepOneRefusesTheNewPodsSessionsOnTheOldPods() {
        SessionCodec old = pod(oldKey);
        SessionCodec rushed = pod(newKey, oldKey);
        assertEquals(Reason.UNKNOWN_KEY, ((Invalid) old.open(seal(rushed))).reason());
    }

    @Test
    void withoutKeysAGatewayThatSharesStateRefusesToStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SessionKeyPolicy.choose(Optional.empty(), true, false, TTL, CLOCK));
        assertTrue(e.getMessage().contains("warden.gateway.session.keys is not set"), e.getMessage());
        assertTrue(e.getMessage().contains("warden.gateway.session.allow-ephemeral-key=true"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> SessionKeyPolicy.choose(Optional.of(List.of(" ")), true, false, TTL, CLOCK),
                "a blank key is no key");
    }

    @Test
    void aPerProcessKeyIsUsedWhenAllowedOrAlone() {
        SessionKeyPolicy.Choice allowed = SessionKeyPolicy.choose(Optional.empty(), true, true, TTL, CLOCK);
        SessionKeyPolicy.Choice alone = SessionKeyPolicy.choose(Optional.empty(), false, false, TTL, CLOCK);
        assertTrue(allowed.warning().contains("random per-process key"));
        assertTrue(alone.warning().contains("random per-process key"));
        assertEquals(Reason.UNKNOWN_KEY, ((Invalid) alone.codec().open(seal(allowed.codec()))).reason(), "two processes, two keys");
        SessionKeyPolicy.Choice configured = SessionKeyPolicy.choose(Optional.of(List.of(newKey, oldKey)), true, false, TTL, CLOCK);
        assertNull(configured.warning());
        opens(pod(oldKey, newKey), seal(configured.codec()), "configured keys are used in their order");
        assertEquals(Reason.UNKNOWN_KEY, ((Invalid) pod(oldKey).open(seal(configured.codec()))).reason(), "the first one seals");
    }
}
