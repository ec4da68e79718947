package io.warden.gateway.policy;

import io.warden.snapshot.GatewaySnapshot;
import java.util.function.Consumer;

/**
 * Where configuration comes from: the standalone file now, the policy-service gRPC stream later.
 * A source delivers only valid, complete snapshots; an invalid update never replaces a valid one.
 */
public interface SnapshotSource extends AutoCloseable {
    void start(Consumer<GatewaySnapshot> onSnapshot);

    @Override
    void close();
}
