package io.warden.gateway.cluster;

import io.vertx.core.Future;

/**
 * Sessions created or ended per grant in a fixed one-minute window, counted where every pod sees the same number.
 * {@link #POD} counts nothing and leaves the count to the pod itself (standalone mode).
 */
public interface SessionCounts {

    /** The window after one more event of a grant: how many so far, and the milliseconds until it ends. */
    record Window(long count, long millisLeft) {}

    /**
     * Counts one more {@code initialize} or {@code DELETE} of {@code grantId}. A null result means "not counted here:
     * count on this pod"; a failed future means the shared count is out of reach (the caller counts on this pod then).
     */
    Future<Window> add(String grantId);

    /** Standalone: each pod counts its own. */
    SessionCounts POD = grantId -> Future.succeededFuture();
}
