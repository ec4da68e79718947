/**
 * Rate limiting of tool calls: token buckets, checked and charged together for one call.
 *
 * <ul>
 *   <li>{@link io.warden.gateway.ratelimit.RateLimiter}: the port the proxy calls (acquire, refund).</li>
 *   <li>{@link io.warden.gateway.ratelimit.TokenBucketMath}: the exact arithmetic, no I/O.</li>
 *   <li>{@link io.warden.gateway.ratelimit.InMemoryRateLimiter}: standalone mode, and the per-pod fallback.</li>
 *   <li>{@link io.warden.gateway.ratelimit.RedisRateLimiter}: shared mode, one EVALSHA of
 *       {@code ratelimit/acquire.lua} per call; key layout in {@link io.warden.gateway.ratelimit.RedisKeys}.</li>
 *   <li>{@link io.warden.gateway.ratelimit.RateLimitMetrics}: meter names.</li>
 * </ul>
 *
 * <p>Design, key layout, failure modes and measured numbers: {@code docs/rate-limiting.md}.
 */
package io.warden.gateway.ratelimit;
