package io.warden.gateway.cluster;

/**
 * Session tokens ended before their expiry (a {@code DELETE} of the session). Checking is in memory on every request;
 * revoking may tell other pods in the background. Each revocation is held until the token's expiry, so what one grant
 * holds is counted ({@link #heldBy}) and bounded by the caller.
 */
public interface Revocations extends AutoCloseable {

    /** True when {@code token} was revoked and its expiry has not passed. Never does I/O. */
    boolean revoked(String token);

    /**
     * Refuses {@code token}, a session of {@code grantId}, from now until {@code expiresAtEpochSecond}, on every pod that
     * shares this list.
     */
    void revoke(String grantId, String token, long expiresAtEpochSecond);

    /** The revocations {@code grantId} holds, as far as this pod knows (its own and those heard from other pods). */
    RevocationSet.Holding heldBy(String grantId);

    @Override
    void close();
}
