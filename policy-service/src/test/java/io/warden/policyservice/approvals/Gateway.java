package io.warden.policyservice.approvals;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalServiceGrpc;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.WatchApprovalsRequest;
import io.warden.policyservice.testing.Api;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A gateway's gRPC view of policy-service in tests: the approval stub behind the test gateway key. */
final class Gateway implements AutoCloseable {
    /** {@code %test.warden.policy.distribution.gateway-keys} (first of two). */
    static final String KEY = "test-gateway-key-0123456789abcdef";

    final ManagedChannel channel;

    Gateway(int port, String key) {
        Metadata metadata = new Metadata();
        if (key != null) {
            metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        }
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .intercept(MetadataUtils.newAttachHeadersInterceptor(metadata)).build();
    }

    ApprovalServiceGrpc.ApprovalServiceBlockingStub stub() {
        return ApprovalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Decisions (or the stream's end: a Throwable or "completed") as they arrive. */
    BlockingQueue<Object> watch(String gatewayId) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ApprovalServiceGrpc.newStub(channel).watch(WatchApprovalsRequest.newBuilder().setGatewayId(gatewayId).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(Approval value) {
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

    /** A digest as the gateway makes them (the value itself is opaque here). */
    static String digest() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return "hmac-sha256:" + HexFormat.of().formatHex(b);
    }

    /** A complete request for a fresh call of a fresh grant. */
    static ApprovalRequest.Builder call() {
        return ApprovalRequest.newBuilder().setGatewayId("gw-test").setRequestId(Api.unique("req"))
                .setGrantId(Api.unique("grant")).setGrantLabel("Test agent").setServer("files").setTool("delete_file")
                .setArgumentDigest(digest()).addArgumentKeys("path").addArgumentKeys("recursive")
                .setArgumentsJson("{\"path\":\"/srv/secret-report.pdf\",\"recursive\":true}")
                .setPolicyId("prod").setPolicyVersion(3).setRule("delete_*").setReason("deletes files")
                .setTimeoutMillis(600_000).setApprover(Approver.OPERATOR);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
