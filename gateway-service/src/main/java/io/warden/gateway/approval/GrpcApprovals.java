package io.warden.gateway.approval;

import static io.warden.gateway.policy.PolicyChannels.connectNow;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRef;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalServiceGrpc;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import io.warden.api.approval.v1.WatchApprovalsRequest;
import io.warden.gateway.policy.PolicyChannels;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Connected mode's approvals: policy-service's {@code ApprovalService}, at the endpoints and with the gateway key of the
 * snapshot stream. Unary calls carry a deadline and go to the next endpoint after a failure; the decision stream is
 * re-opened with backoff whenever it breaks (held calls re-check their approval with {@link #get} meanwhile, by their
 * own timers, so a lost decision only delays them).
 */
public final class GrpcApprovals implements Approvals {

    private static final Logger LOG = Logger.getLogger(GrpcApprovals.class);
    private static final Metadata.Key<String> GATEWAY_KEY = Metadata.Key.of("x-warden-gateway-key", Metadata.ASCII_STRING_MARSHALLER);

    private final List<ManagedChannel> channels;
    private final String gatewayId;
    private final Duration deadline;
    private final Duration reconnectMin;
    private final Duration reconnectMax;
    private final AtomicInteger next = new AtomicInteger();
    private final List<Consumer<Approval>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor timers;
    private volatile boolean closed;
    private final AtomicInteger watchFailures = new AtomicInteger();

    public GrpcApprovals(List<String> endpoints, String gatewayKey, String gatewayId, Duration deadline, Duration reconnectMin,
                         Duration reconnectMax) {
        this.gatewayId = gatewayId;
        this.deadline = deadline;
        this.reconnectMin = reconnectMin;
        this.reconnectMax = reconnectMax;
        // Both spellings: the snapshot stream's bearer token, and the header the approval contract names.
        Metadata auth = PolicyChannels.bearer(gatewayKey);
        auth.put(GATEWAY_KEY, gatewayKey);
        this.channels = PolicyChannels.open(endpoints, auth, NettyChannelBuilder::usePlaintext);
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "warden-approvals-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the decision stream (in the background; it reconnects by itself). */
    public GrpcApprovals start() {
        timers.execute(this::watch);
        return this;
    }

    @Override
    public CompletionStage<Approval> request(ApprovalRequest request) {
        return unary((stub, out) -> stub.request(request, out));
    }

    @Override
    public CompletionStage<Optional<Approval>> get(String id) {
        CompletableFuture<Optional<Approval>> result = new CompletableFuture<>();
        this.<Approval>unary((stub, out) -> stub.get(ApprovalRef.newBuilder().setId(id).build(), out))
                .whenComplete((a, t) -> {
                    if (t == null) {
                        result.complete(Optional.of(a));
                    } else if (Status.fromThrowable(t).getCode() == Status.Code.NOT_FOUND) {
                        result.complete(Optional.empty());
                    } else {
                        result.completeExceptionally(t);
                    }
                });
        return result;
    }

    @Override
    public CompletionStage<ConsumeReply> consume(ConsumeRequest request) {
        return unary((stub, out) -> stub.consume(request.toBuilder().setGatewayId(gatewayId).build(), out));
    }

    @Override
    public CompletionStage<Approval> answerAsUser(UserAnswer answer) {
        CompletableFuture<Approval> result = new CompletableFuture<>();
        this.<Approval>unary((stub, out) -> stub.answerAsUser(answer, out)).whenComplete((a, t) -> {
            if (t == null) {
                result.complete(a);
            } else if (Status.fromThrowable(t).getCode() == Status.Code.FAILED_PRECONDITION) {
                result.completeExceptionally(new UserMayNotDecide(answer.getId()));
            } else {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    @Override
    public void onDecision(Consumer<Approval> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed = true;
        timers.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }

    private interface Call<T> {
        void run(ApprovalServiceGrpc.ApprovalServiceStub stub, StreamObserver<T> out);
    }

    /** One unary call on the next endpoint; an unavailable endpoint moves the next call on to another one. */
    private <T> CompletionStage<T> unary(Call<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        int index = Math.floorMod(next.get(), channels.size());
        ApprovalServiceGrpc.ApprovalServiceStub stub = ApprovalServiceGrpc.newStub(connectNow(channels.get(index)))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        call.run(stub, new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                Status.Code code = Status.fromThrowable(t).getCode();
                if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                    next.compareAndSet(index, index + 1);
                }
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                f.completeExceptionally(Status.INTERNAL.withDescription("no answer").asRuntimeException());
            }
        });
        return f;
    }

    // ---- the decision stream, on the timer thread ----

    private void watch() {
        if (closed) {
            return;
        }
        int index = Math.floorMod(next.get(), channels.size());
        ApprovalServiceGrpc.newStub(connectNow(channels.get(index))).watch(
                WatchApprovalsRequest.newBuilder().setGatewayId(gatewayId).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(Approval a) {
                        watchFailures.set(0);
                        for (Consumer<Approval> l : listeners) {
                            try {
                                l.accept(a);
                            } catch (RuntimeException e) {
                                LOG.errorf(e, "an approval listener failed");
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        next.compareAndSet(index, index + 1);
                        reconnectLater(Status.fromThrowable(t).toString());
                    }

                    @Override
                    public void onCompleted() {
                        reconnectLater("closed by policy-service");
                    }
                });
    }

    private void reconnectLater(String why) {
        if (closed) {
            return;
        }
        int failures = Math.min(watchFailures.incrementAndGet(), 16);
        long max = Math.min(reconnectMax.toMillis(), reconnectMin.toMillis() << Math.min(failures, 10));
        long wait = ThreadLocalRandom.current().nextLong(Math.max(1, max / 2), Math.max(2, max) + 1);
        LOG.debugf("approval decision stream lost (%s); reconnecting in %d ms", why, wait);
        timers.schedule(this::watch, wait, TimeUnit.MILLISECONDS);
    }

}
