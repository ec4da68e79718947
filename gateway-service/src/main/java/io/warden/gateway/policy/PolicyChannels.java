package io.warden.gateway.policy;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The gRPC channels from this gateway to policy-service. The snapshot stream and the approval calls reach the same
 * endpoints with the same gateway key, so both open their channels here; only how the channel talks differs.
 */
public final class PolicyChannels {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private PolicyChannels() {
    }

    /** The gateway key as the bearer token policy-service checks on every call. */
    public static Metadata bearer(String gatewayKey) {
        Metadata m = new Metadata();
        m.put(AUTHORIZATION, "Bearer " + gatewayKey);
        return m;
    }

    /**
     * One channel per endpoint ({@code host:port}), in order, each attaching {@code headers} to every call;
     * {@code transport} finishes each builder (plaintext or TLS, keepalive).
     */
    public static List<ManagedChannel> open(List<String> endpoints, Metadata headers,
                                            Consumer<NettyChannelBuilder> transport) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (String endpoint : endpoints) {
            URI at = URI.create("//" + endpoint.strip());
            if (at.getHost() == null || at.getPort() <= 0) {
                throw new IllegalArgumentException("warden.gateway.connected.endpoints: '" + endpoint
                        + "' is not host:port");
            }
            NettyChannelBuilder builder = NettyChannelBuilder.forAddress(at.getHost(), at.getPort())
                    .intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
            transport.accept(builder);
            channels.add(builder.build());
        }
        return channels;
    }

    /**
     * A channel that failed to connect waits out gRPC's own back-off (1 s growing to 2 min) and fails every call
     * meanwhile, even once policy-service is back. Asking it to connect now makes a call wait for that one attempt:
     * it runs if policy-service is up and still fails at once if not.
     */
    public static ManagedChannel connectNow(ManagedChannel channel) {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }
}
