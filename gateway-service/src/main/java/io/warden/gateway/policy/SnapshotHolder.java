package io.warden.gateway.policy;

import io.warden.snapshot.GatewaySnapshot;
import java.util.concurrent.atomic.AtomicReference;

/** The current snapshot, swapped atomically; readers never lock. */
public final class SnapshotHolder {
    private final AtomicReference<GatewaySnapshot> current = new AtomicReference<>(GatewaySnapshot.EMPTY);

    public GatewaySnapshot current() {
        return current.get();
    }

    /** False until a first snapshot is installed: the empty placeholder a pod starts with is not a policy. */
    public boolean installed() {
        return current.get() != GatewaySnapshot.EMPTY;
    }

    public void swap(GatewaySnapshot next) {
        current.set(next);
    }
}
