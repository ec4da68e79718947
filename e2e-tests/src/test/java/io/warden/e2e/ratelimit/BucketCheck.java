package io.warden.e2e.ratelimit;

import io.warden.e2e.ratelimit.McpCaller.Answer;
import java.util.List;
import java.util.Locale;

/**
 * The exactness check for one token bucket (capacity {@code burst}, refilled at {@code ratePerSecond}, full when
 * first used) from the answers of the calls it decided.
 *
 * <p>Redis runs each admitted call's script at an instant {@code s_i} between the client's send ({@code send_i})
 * and its receipt of the answer ({@code recv_i}); Redis and the test read the same machine clock. The bucket's
 * admissions therefore span {@code E = max(s_i) - min(s_i)}, which the client only knows within bounds:
 * <pre>
 *   elapsed_upper = max(recv_i) - min(send_i)   over admitted calls  (in-flight time of both ends included)
 *   elapsed_lower = max(send_i) - min(recv_i)   over admitted calls  (in-flight time of both ends excluded)
 *   bound   = burst + rate * elapsed_upper      the most an exact bucket can give in E
 *   floor   = burst + rate * elapsed_lower      the least an exact bucket gives in E when the clients never let it
 *                                               sit idle
 * </pre>
 * Required: {@code admitted <= bound} with no tolerance (zero over-admission), and {@code admitted >= 99% of floor}
 * (a limiter refusing calls it has tokens for is broken too). Each side uses the estimate of {@code E} that is
 * conservative for it, so neither the in-flight time of the 64 clients nor the scheduling of a busy machine can make
 * an exact limiter fail, or an inexact one pass. Both ratios are printed.
 */
record BucketCheck(String name, double burst, double ratePerSecond, long admitted, long denied, long other,
                   double elapsedUpper, double elapsedLower, double offeredPerSecond) {

    static BucketCheck of(String name, double burst, double ratePerSecond, List<Answer> answers) {
        long minSend = Long.MAX_VALUE;
        long maxRecv = Long.MIN_VALUE;
        long maxSend = Long.MIN_VALUE;
        long minRecv = Long.MAX_VALUE;
        long firstAny = Long.MAX_VALUE;
        long lastAny = Long.MIN_VALUE;
        long admitted = 0;
        long denied = 0;
        long other = 0;
        for (Answer a : answers) {
            firstAny = Math.min(firstAny, a.sendNanos());
            lastAny = Math.max(lastAny, a.recvNanos());
            switch (a.kind()) {
                case ADMITTED -> {
                    admitted++;
                    minSend = Math.min(minSend, a.sendNanos());
                    maxRecv = Math.max(maxRecv, a.recvNanos());
                    maxSend = Math.max(maxSend, a.sendNanos());
                    minRecv = Math.min(minRecv, a.recvNanos());
                }
                case DENIED -> denied++;
                default -> other++;
            }
        }
        double upper = admitted == 0 ? 0 : (maxRecv - minSend) / 1e9;
        double lower = admitted == 0 ? 0 : Math.max(0, (maxSend - minRecv) / 1e9);
        double window = answers.isEmpty() ? 0 : (lastAny - firstAny) / 1e9;
        return new BucketCheck(name, burst, ratePerSecond, admitted, denied, other, upper, lower,
                window == 0 ? 0 : answers.size() / window);
    }

    double bound() {
        return burst + ratePerSecond * elapsedUpper;
    }

    double floor() {
        return burst + ratePerSecond * elapsedLower;
    }

    /** Admitted over the (upper) bound: at most 1. */
    double ofBound() {
        return admitted / bound();
    }

    /** Admitted over the floor: at least 0.99. */
    double ofFloor() {
        return admitted / floor();
    }

    /** Calls offered per second against this bucket over the rate it refills at. */
    double overload() {
        return offeredPerSecond / ratePerSecond;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: admitted %d; bound %.2f = %.0f + %.1f/s x %.3f s (%.2f%% of it);"
                        + " floor %.2f = %.0f + %.1f/s x %.3f s (%.2f%% of it); denied %d, other %d; offered %.0f calls/s"
                        + " (%.0fx the rate)", name, admitted, bound(), burst, ratePerSecond, elapsedUpper,
                100 * ofBound(), floor(), burst, ratePerSecond, elapsedLower, 100 * ofFloor(), denied, other,
                offeredPerSecond, overload());
    }
}
