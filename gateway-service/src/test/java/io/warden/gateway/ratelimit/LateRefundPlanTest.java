package io.warden.gateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.gateway.ratelimit.RedisRateLimiter.LatePlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a late acquire reply gives back: only tokens the script took, and only from a bucket that cannot have refilled. */
class LateRefundPlanTest {

    static final long MS = 1_000_000;
    static final long DEADLINE = 25 * MS;
    /** An hour, in µs: a bucket far from full. */
    static final long FAR = 3_600_000_000L;

    static LatePlan plan(long[] reply, long[] costs, List<String> keys, long elapsedNanos) {
        return RedisRateLimiter.planLateRefund(reply, costs, keys, elapsedNanos, DEADLINE);
    }

    @Test
    void aDeniedCallTookNothing() {
        // The script writes nothing when it denies, even for charges it found room in.
        LatePlan p = plan(new long[] {0, 1, FAR, 0, 0, FAR, 0}, new long[] {1, 1}, List.of("a", "b"), 30 * MS);
        assertArrayEquals(new int[0], p.refund());
        assertFalse(p.skipped());
    }

    @Test
    void everyChargeThatTookTokensGoesBack() {
        LatePlan p = plan(new long[] {1, 1, FAR, 0, 1, FAR, 7}, new long[] {1, 3}, List.of("a", "b"), 30 * MS);
        assertArrayEquals(new int[] {0, 1}, p.refund());
        assertFalse(p.skipped());
    }

    @Test
    void aShadowChargeThatWouldDenyAndAFreeChargeTookNothing() {
        LatePlan p = plan(new long[] {1, 1, FAR, 0, 0, FAR, 0, 1, FAR, 0}, new long[] {1, 1, 0},
                List.of("a", "shadow", "free"), 30 * MS);
        assertArrayEquals(new int[] {0}, p.refund());
        assertFalse(p.skipped());
    }

    @Test
    void aBucketThatMayBeFullBeforeTheRefundLandsIsLeftAlone() {
        // Sent 30 ms ago; the refund gets one deadline (25 ms): a bucket full again within 55 ms of the send may have
        // expired and been re-created by other calls by then.
        LatePlan p = plan(new long[] {1, 1, 55_000, 0, 1, 56_000, 0}, new long[] {1, 1}, List.of("near", "far"),
                30 * MS);
        assertArrayEquals(new int[] {1}, p.refund());
        assertTrue(p.skipped());
        LatePlan none = plan(new long[] {1, 1, 10_000, 0}, new long[] {1}, List.of("near"), 30 * MS);
        assertArrayEquals(new int[0], none.refund());
        assertTrue(none.skipped());
    }

    @Test
    void aKeyListedTwiceIsJudgedByItsFullAtAfterBothCharges() {
        // The first charge's offset alone would look nearly full; the key lives until the second one's.
        LatePlan p = plan(new long[] {1, 1, 1_000, 0, 1, FAR, 0}, new long[] {1, 1}, List.of("k", "k"), 30 * MS);
        assertArrayEquals(new int[] {0, 1}, p.refund());
        assertFalse(p.skipped());
    }
}
