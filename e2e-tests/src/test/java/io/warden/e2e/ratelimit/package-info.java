/**
 * Issue 4's cross-process tests of the shared rate limiter: packaged gateways in separate JVMs on one real Redis.
 *
 * <ul>
 *   <li>{@link io.warden.e2e.ratelimit.CrossProcessLimitsIT}: exactness of grant-, server- and key-scoped limits
 *       under 64 concurrent clients through three gateways (two of them with clocks offset by +5 and -7 minutes),
 *       refunds across processes, and no key without a TTL after a soak over 10,500 distinct keys.</li>
 *   <li>{@link io.warden.e2e.ratelimit.RedisOutageIT}: {@code on_limiter_error} {@code closed}, {@code open} and
 *       {@code local} with Redis stopped and hung, and exact limits again once it is back, with no manual step.</li>
 * </ul>
 *
 * <p>How "exact" is measured is in {@link io.warden.e2e.ratelimit.BucketCheck}. Run just these with
 * {@code ./mvnw -pl e2e-tests -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test='CrossProcessLimitsIT,RedisOutageIT'}; each class prints its
 * measurements as {@code [limits-e2e]} lines, and leaves the gateways' logs and decision logs under
 * {@code e2e-tests/target/ratelimit-e2e/}.
 */
package io.warden.e2e.ratelimit;
