package io.warden.gateway.session;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Which key seals this gateway's sessions. Configured keys always win. Without them a random per-process key is fine for
 * one pod, and wrong for several: a session minted by one pod would be "not found" on the others. A gateway that shares
 * state through Redis is taken to be one of several pods, so it refuses to start without keys unless the operator said
 * a per-process key is what they want. Pure.
 */
public final class SessionKeyPolicy {

    static final String KEYS = "warden.gateway.session.keys";
    static final String ALLOW_EPHEMERAL = "warden.gateway.session.allow-ephemeral-key";

    private SessionKeyPolicy() {}

    /** The codec to use, and a warning to log when it uses a per-process key (null: nothing to say). */
    public record Choice(SessionCodec codec, String warning) {}

    /**
     * @param keys           the configured keys (blank entries ignored)
     * @param sharedState    a Redis for shared state or shared limits is configured: several pods are expected
     * @param allowEphemeral the operator allows a random per-process key anyway (one pod, tests)
     * @throws IllegalStateException when several pods are expected, no key is configured and none was allowed; the
     *                               message names the settings to set
     */
    public static Choice choose(Optional<List<String>> keys, boolean sharedState, boolean allowEphemeral, Duration ttl,
                                Clock clock) {
        List<String> configured = keys.orElse(List.of()).stream().filter(k -> k != null && !k.isBlank()).toList();
        if (!configured.isEmpty()) {
            return new Choice(SessionCodec.create(configured, ttl, clock), null);
        }
        if (sharedState && !allowEphemeral) {
            throw new IllegalStateException(KEYS + " is not set, but this gateway shares state through Redis"
                    + " (warden.gateway.cluster.redis-url or warden.gateway.ratelimit.redis-url), so it is one of several"
                    + " pods: with a random key each, a session opened on one pod would be refused by the others."
                    + " Set " + KEYS + " to the same key on every pod (print one with 'warden session-key'),"
                    + " or set " + ALLOW_EPHEMERAL + "=true to run a single pod with a per-process key.");
        }
        return new Choice(SessionCodec.ephemeral(ttl, clock), "No " + KEYS + " configured: sessions use a random"
                + " per-process key, so they do not survive a restart and cannot be shared by several gateway pods");
    }
}
