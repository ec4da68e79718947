package io.warden.policyservice.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.restassured.RestAssured;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** What a gateway sees of the test service over gRPC: a channel with its key, and server streams as queues. */
public final class GatewayChannel {
    /** {@code %test.warden.policy.distribution.gateway-keys} (first of two). */
    public static final String KEY = "test-gateway-key-0123456789abcdef";

    private GatewayChannel() {
    }

    /** A plaintext channel to the running test service that sends {@code key} as a bearer (nothing when null). */
    public static ManagedChannel open(String key) {
        return open(RestAssured.port, key);
    }

    public static ManagedChannel open(int port, String key) {
        Metadata metadata = new Metadata();
        if (key != null) {
            metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        }
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .intercept(MetadataUtils.newAttachHeadersInterceptor(metadata)).build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * Starts a server-streaming call with an observer that queues what arrives: each message, then the end (the
     * Throwable, or "completed"). E.g. {@code collect(o -> SnapshotServiceGrpc.newStub(channel).watch(request, o))}.
     */
    public static <T> BlockingQueue<Object> collect(Consumer<StreamObserver<T>> call) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        call.accept(new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                events.add(value);
            }

            @Override
            public void onError(Throwable t) {
                events.add(t);
            }

            @Override
            public void onCompleted() {
                events.add("completed");
            }
        });
        return events;
    }

    /** The next message of a collected stream, within 20 s; fails when the stream ended instead. */
    public static <T> T next(BlockingQueue<Object> events, Class<T> type) throws InterruptedException {
        Object event = events.poll(20, TimeUnit.SECONDS);
        assertNotNull(event, "no event within 20 s");
        assertTrue(type.isInstance(event), "not a " + type.getSimpleName() + ": " + event);
        return type.cast(event);
    }
}
