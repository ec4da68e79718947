package io.warden.policy;

/**
 * One bucket a call must take tokens from, fully resolved: the limiter needs nothing else.
 *
 * <p>The token bucket holds at most {@code capacity} tokens, starts full and refills
 * continuously at {@code refillTokens} per {@code windowMillis}. A call takes {@code cost}
 * tokens. All charges of one decision are taken together or not at all.
 *
 * @param bucketId stable id of the counter definition: {@code counter|scope} for scopes grant and session,
 *     {@code counter|scope@policyId} for scopes server and global of a policy compiled with an id
 *     (so two policies never share those buckets), {@code counter|scope} without one
 * @param key the bucket key for this call: bucket id, then the scope owner (grant id, server
 *     id, grant id and session digest for {@code session}, nothing for {@code global}), then the
 *     JSON text of each {@code key} path value, joined with {@code |}; a missing key value is
 *     written {@code -}, and so is the session of a call that has none (the grant's one
 *     session-less bucket). The session digest is the first 128 bits of SHA-256 of the session
 *     id, in hex: the id itself never reaches the limiter store
 * @param rule rule id of the limit (a JSON pointer such as {@code /all_tools/limits/0})
 * @param counter the counter name
 * @param scope {@code grant}, {@code server}, {@code global} or {@code session}
 * @param capacity bucket capacity ({@code burst}, default {@code max})
 * @param refillTokens tokens added per window ({@code max})
 * @param windowMillis the window in milliseconds
 * @param cost tokens this call takes (fixed {@code cost} or resolved {@code cost_from}), at least 0
 * @param onDeny the limit's {@code on_deny} message, or {@code null}
 * @param shadow true when the limit only records "would deny" and never blocks
 * @param onLimiterError what to do when the limiter store is unreachable
 */
public record LimitCharge(String bucketId, String key, String rule, String counter, String scope,
                          long capacity, long refillTokens, long windowMillis, long cost,
                          String onDeny, boolean shadow, LimiterErrorMode onLimiterError) {

    /** The time, in milliseconds, an empty bucket takes to refill completely. */
    public long fullRefillMillis() {
        return (long) Math.ceil((double) capacity * windowMillis / refillTokens);
    }
}
