package io.warden.policyservice.approvals;

import io.grpc.ManagedChannel;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalServiceGrpc;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.WatchApprovalsRequest;
import io.warden.policyservice.testing.Api;
import io.warden.policyservice.testing.GatewayChannel;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A gateway's gRPC view of policy-service in tests: the approval stub behind the test gateway key. */
final class Gateway implements AutoCloseable {
    static final String KEY = GatewayChannel.KEY;

    final ManagedChannel channel;

    Gateway(int port, String key) {
        channel = GatewayChannel.open(port, key);
    }

    ApprovalServiceGrpc.ApprovalServiceBlockingStub stub() {
        return ApprovalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Decisions (or the stream's end: a Throwable or "completed") as they arrive. */
    BlockingQueue<Object> watch(String gatewayId) {
        return GatewayChannel.<Approval>collect(o -> ApprovalServiceGrpc.newStub(channel)
                .watch(WatchApprovalsRequest.newBuilder().setGatewayId(gatewayId).build(), o));
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
        GatewayChannel.close(channel);
    }
}
