package io.warden.gateway.policy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.warden.api.snapshot.v1.Acknowledgement;
import io.warden.api.snapshot.v1.SnapshotServiceGrpc;
import io.warden.testsupport.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * policy-service comes back while a gateway's channel waits out gRPC's connection back-off (1 s, growing): asked to
 * connect now, the channel's next call reaches the server instead of failing as "unavailable" until the back-off ends.
 */
class ConnectNowTest {

    @Test
    void aCallRightAfterTheServerReturnsReachesIt() throws IOException, InterruptedException {
        int port = FreePorts.next();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Server server = null;
        try {
            channel.getState(true); // nothing listens yet: the attempt fails and the back-off starts
            await().atMost(Duration.ofSeconds(10)).until(() -> channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE);
            // A server with no services: reaching it answers UNIMPLEMENTED, not reaching it UNAVAILABLE.
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).build().start();

            SnapshotServiceGrpc.SnapshotServiceBlockingStub stub =
                    SnapshotServiceGrpc.newBlockingStub(PolicyChannels.connectNow(channel));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub.acknowledge(Acknowledgement.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.toString());
        } finally {
            channel.shutdownNow();
            if (server != null) {
                server.shutdownNow().awaitTermination();
            }
        }
    }
}
