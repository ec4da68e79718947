package io.warden.gateway.cluster;

/**
 * Session tokens ended before their expiry (a {@code DELETE} of the session). Checking is in memory on every request;
 * revoking may tell other pods in the background.
 */
public interface Revocations extends AutoCloseable {

    /** True when {@code token} was revoked and its expiry has not passed. Never does I/O. */
    boolean revoked(String token);

    /** Refuses {@code token} from now until {@code expiresAtEpochSecond}, on every pod that shares this list. */
    void revoke(String token, long expiresAtEpochSecond);

    @Override
    void close();
}
