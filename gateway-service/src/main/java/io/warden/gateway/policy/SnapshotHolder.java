package io.warden.gateway.policy;

import io.warden.snapshot.GatewaySnapshot;
import java.util.concurrent.atomic.AtomicReference;

/** The current snapshot, swapped atomically; readers never lock. */
public final class SnapshotHolder {
    private final AtomicReference<GatewaySnapshot> current = new AtomicReference<>(GatewaySnapshot.EMPTY);

    public GatewaySnapshot current() {
        return current.get();
    }

    public void swap(GatewaySnapshot next) {
        current.set(next);
    }
}
