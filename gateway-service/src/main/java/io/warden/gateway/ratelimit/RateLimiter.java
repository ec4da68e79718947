package io.warden.gateway.ratelimit;

import io.smallrye.mutiny.Uni;
import io.warden.policy.LimitCharge;
import java.util.List;

/**
 * The rate-limiter port: take tokens for one call from every bucket that applies to it, all
 * or nothing, and give them back when the call never ran.
 *
 * <p>Implementations: {@link InMemoryRateLimiter} (standalone mode, one process) and
 * {@link RedisRateLimiter} (shared Redis, any number of gateway pods). Both have the same
 * semantics and pass the same contract suite.
 *
 * <p><b>Never fails on the hot path.</b> The returned {@link Uni}s always complete with an
 * item: a store that is down or too slow becomes an outcome flagged
 * {@link LimitFlag#LIMITER_UNAVAILABLE}, decided by each charge's {@code on_limiter_error}.
 */
public interface RateLimiter {

    /**
     * Check and take {@code charges} together: when every enforcing charge's bucket holds
     * enough tokens, all of them (and the shadow charges that fit) are charged and the call is
     * admitted; otherwise nothing is charged and the call is denied with the longest wait as
     * its retry-after. Shadow charges are evaluated and reported, never deny.
     *
     * @param partition the id of the server the call goes to. It places the call's grant- and
     *     server-scoped buckets in one Redis Cluster slot (the hash tag of their keys), so it
     *     must be the same for every call that can touch a given bucket; a grant belongs to
     *     exactly one server, so the server id is. It never changes which bucket a charge
     *     uses: bucket identity is {@link LimitCharge#key()}.
     * @param charges the decision's {@code limits()}; an empty list admits at once
     */
    Uni<LimitOutcome> acquire(String partition, List<LimitCharge> charges);

    /**
     * {@link #acquire(String, List)} with one fixed partition for every call: correct, but
     * all keys land in one Redis Cluster slot. Use the two-argument form in the gateway.
     */
    default Uni<LimitOutcome> acquire(List<LimitCharge> charges) {
        return acquire(RedisKeys.DEFAULT_PARTITION, charges);
    }

    /**
     * Give back the tokens an admitted call took, when the call never ran (upstream
     * unreachable, timed out, HTTP 5xx, JSON-RPC error). A bucket never becomes fuller than
     * full. Refunding {@link Reservation#NONE} or the same reservation twice is harmless only
     * for the former: call this at most once per reservation. Completes normally even when the
     * store is down (the failure is counted; the tokens then refill with time).
     */
    Uni<Void> refund(Reservation reservation);
}
