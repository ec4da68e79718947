package io.warden.gateway.approval;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalServiceGrpc;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.api.approval.v1.WatchApprovalsRequest;
import io.warden.testsupport.FreePorts;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connected-mode client against a real gRPC server speaking the approval contract. policy-service's own
 * implementation is built elsewhere; this stand-in keeps its approvals in a {@link LocalApprovals} and checks the
 * gateway key, which is what the client's side of the contract needs.
 */
class GrpcApprovalsTest {

    static final String KEY = "gateway-key-1";
    static final Metadata.Key<String> GATEWAY_KEY = Metadata.Key.of("x-warden-gateway-key", Metadata.ASCII_STRING_MARSHALLER);

    LocalApprovals store;
    Server server;
    int port;
    final List<StreamObserver<Approval>> watchers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        store = new LocalApprovals(Clock.systemUTC(), 100);
        store.onDecision(a -> watchers.forEach(w -> w.onNext(a)));
        ApprovalServiceGrpc.ApprovalServiceImplBase service = new ApprovalServiceGrpc.ApprovalServiceImplBase() {
            @Override
            public void request(ApprovalRequest r, StreamObserver<Approval> out) {
                out.onNext(store.request(r).toCompletableFuture().join());
                out.onCompleted();
            }

            @Override
            public void get(ApprovalRef r, StreamObserver<Approval> out) {
                Approval a = store.find(r.getId());
                if (a == null) {
                    out.onError(Status.NOT_FOUND.asRuntimeException());
                } else {
                    out.onNext(a);
                    out.onCompleted();
                }
            }

            @Override
            public void consume(ConsumeRequest r, StreamObserver<ConsumeReply> out) {
                out.onNext(store.consume(r).toCompletableFuture().join());
                out.onCompleted();
            }

            @Override
            public void answerAsUser(UserAnswer r, StreamObserver<Approval> out) {
                store.answerAsUser(r).whenComplete((a, t) -> {
                    if (t == null) {
                        out.onNext(a);
                        out.onCompleted();
                    } else {
                        out.onError(Status.FAILED_PRECONDITION.asRuntimeException());
                    }
                });
            }

            @Override
            public void watch(WatchApprovalsRequest r, StreamObserver<Approval> out) {
                watchers.add(out);
                ((ServerCallStreamObserver<Approval>) out).setOnCancelHandler(() -> watchers.remove(out));
            }
        };
        ServerInterceptor auth = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                if (!KEY.equals(headers.get(GATEWAY_KEY))) {
                    call.close(Status.UNAUTHENTICATED, new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
        definition = ServerInterceptors.intercept(service, auth);
        port = FreePorts.next();
        server = serve();
    }

    io.grpc.ServerServiceDefinition definition;

    Server serve() throws java.io.IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(definition).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
        store.close();
    }

    GrpcApprovals client(String key) {
        return new GrpcApprovals(List.of("127.0.0.1:" + port), key, "gw-1", Duration.ofSeconds(5), Duration.ofMillis(50),
                Duration.ofMillis(500)).start();
    }

    static ApprovalRequest request(Approver approver) {
        return ApprovalRequest.newBuilder().setGrantId("g").setServer("s").setTool("t").setArgumentDigest("d")
                .setTimeoutMillis(60_000).setApprover(approver).build();
    }

    @Test
    void speaksTheContract() {
        try (GrpcApprovals approvals = client(KEY)) {
            List<Approval> decided = new CopyOnWriteArrayList<>();
            approvals.onDecision(decided::add);
            await().atMost(Duration.ofSeconds(10)).until(() -> !watchers.isEmpty());

            Approval a = approvals.request(request(Approver.OPERATOR)).toCompletableFuture().join();
            assertEquals(ApprovalState.PENDING, a.getState());
            assertTrue(approvals.get("apr_none").toCompletableFuture().join().isEmpty(), "NOT_FOUND is empty");
            CompletionException refused = assertThrows(CompletionException.class, () -> approvals.answerAsUser(
                    UserAnswer.newBuilder().setId(a.getId()).setGrantId("g").setApprove(true).build()).toCompletableFuture().join());
            assertInstanceOf(Approvals.UserMayNotDecide.class, refused.getCause());

            store.decide(a.getId(), true, "ok", "alice");
            await().atMost(Duration.ofSeconds(10)).until(() -> decided.stream().anyMatch(d -> d.getId().equals(a.getId())));
            ConsumeRequest c = ConsumeRequest.newBuilder().setId(a.getId()).setGrantId("g").setServer("s").setTool("t")
                    .setArgumentDigest("d").build();
            assertTrue(approvals.consume(c).toCompletableFuture().join().getConsumed());
            assertEquals("already_used", approvals.consume(c).toCompletableFuture().join().getRefusal());
        }
    }

    @Test
    void aWrongKeyFailsTheCallsAndTheDecisionStreamComesBackAfterAnOutage() throws Exception {
        try (GrpcApprovals wrong = client("not-the-key")) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> wrong.request(request(Approver.USER)).toCompletableFuture().join());
            assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(e.getCause()).getCode());
        }
        try (GrpcApprovals approvals = client(KEY)) {
            List<Approval> decided = new CopyOnWriteArrayList<>();
            approvals.onDecision(decided::add);
            await().atMost(Duration.ofSeconds(10)).until(() -> !watchers.isEmpty());
            server.shutdownNow().awaitTermination();
            watchers.clear();
            server = serve();
            await().atMost(Duration.ofSeconds(10)).until(() -> !watchers.isEmpty());
            Approval a = approvals.request(request(Approver.USER)).toCompletableFuture().join();
            Approval mine = approvals.answerAsUser(UserAnswer.newBuilder().setId(a.getId()).setGrantId("g").setApprove(true)
                    .build()).toCompletableFuture().join();
            assertEquals(ApprovalState.APPROVED, mine.getState());
            await().atMost(Duration.ofSeconds(10)).until(() -> decided.stream().anyMatch(d -> d.getId().equals(a.getId())));
        }
    }
}
