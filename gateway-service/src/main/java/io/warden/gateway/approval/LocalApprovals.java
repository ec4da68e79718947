package io.warden.gateway.approval;

import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Standalone mode's approvals: in this process's memory, decided through the gateway's admin endpoint
 * ({@link ApprovalAdmin}). They do not survive a restart and are not shared by pods; connected mode keeps them in
 * policy-service. Bounded: past {@code maxOpen} live approvals, new requests fail (and their calls are denied).
 */
public final class LocalApprovals implements Approvals {

    /** Decided, expired and used approvals stay readable this long after they expire, then are forgotten. */
    static final long RETENTION_MILLIS = 10 * 60_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What an operator's decision did. */
    public enum Decided { DECIDED, NOT_FOUND, NOT_PENDING }

    /** The outcome of {@link #decide}, with the approval as the decision left it (null when not found). */
    public record Decision(Decided outcome, Approval approval) {}

    private final Clock clock;
    private final int maxOpen;
    private final Map<String, Approval> byId = new HashMap<>();
    private final List<Consumer<Approval>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor timers;

    public LocalApprovals(Clock clock, int maxOpen) {
        this.clock = clock;
        this.maxOpen = maxOpen;
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "warden-approvals");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
    }

    @Override
    public CompletionStage<Approval> request(ApprovalRequest r) {
        Approval opened;
        synchronized (this) {
            long now = clock.millis();
            for (Approval a : byId.values()) {
                if (live(a, now) && a.getGrantId().equals(r.getGrantId()) && a.getServer().equals(r.getServer())
                        && a.getTool().equals(r.getTool()) && a.getArgumentDigest().equals(r.getArgumentDigest())) {
                    return CompletableFuture.completedFuture(a);
                }
            }
            if (byId.values().stream().filter(a -> live(a, now)).count() >= maxOpen) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "too many open approvals (" + maxOpen + "); decide some first"));
            }
            opened = Approval.newBuilder()
                    .setId("apr_" + Long.toUnsignedString(RANDOM.nextLong(), 36) + Long.toUnsignedString(RANDOM.nextLong(), 36))
                    .setState(ApprovalState.PENDING)
                    .setGrantId(r.getGrantId()).setGrantLabel(r.getGrantLabel())
                    .setServer(r.getServer()).setTool(r.getTool()).setArgumentDigest(r.getArgumentDigest())
                    .addAllArgumentKeys(r.getArgumentKeysList())
                    .setPolicyId(r.getPolicyId()).setPolicyVersion(r.getPolicyVersion()).setRule(r.getRule())
                    .setReason(r.getReason())
                    .setApprover(r.getApprover() == Approver.USER ? Approver.USER : Approver.OPERATOR)
                    .setRequestedAtMillis(now).setExpiresAtMillis(now + Math.max(1, r.getTimeoutMillis()))
                    .build();
            byId.put(opened.getId(), opened);
        }
        long wait = opened.getExpiresAtMillis() - clock.millis();
        timers.schedule(() -> expire(opened.getId()), Math.max(0, wait), TimeUnit.MILLISECONDS);
        return CompletableFuture.completedFuture(opened);
    }

    @Override
    public CompletionStage<Optional<Approval>> get(String id) {
        return CompletableFuture.completedFuture(Optional.ofNullable(current(id)));
    }

    @Override
    public CompletionStage<ConsumeReply> consume(ConsumeRequest c) {
        synchronized (this) {
            Approval a = current(c.getId());
            ConsumeReply.Builder reply = ConsumeReply.newBuilder();
            if (a == null) {
                return done(reply.setState(ApprovalState.APPROVAL_STATE_UNSPECIFIED).setRefusal("not_found"));
            }
            reply.setState(a.getState());
            if (!a.getGrantId().equals(c.getGrantId()) || !a.getServer().equals(c.getServer())
                    || !a.getTool().equals(c.getTool()) || !a.getArgumentDigest().equals(c.getArgumentDigest())) {
                return done(reply.setRefusal("mismatch"));
            }
            String refusal = switch (a.getState()) {
                case APPROVED -> null;
                case USED -> "already_used";
                case EXPIRED -> "expired";
                default -> "not_approved";
            };
            if (refusal != null) {
                return done(reply.setRefusal(refusal));
            }
            byId.put(a.getId(), a.toBuilder().setState(ApprovalState.USED).build());
            return done(reply.setConsumed(true).setState(ApprovalState.USED));
        }
    }

    @Override
    public CompletionStage<Approval> answerAsUser(UserAnswer answer) {
        Approval a;
        synchronized (this) {
            a = current(answer.getId());
            if (a == null || !a.getGrantId().equals(answer.getGrantId())) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("no such approval for this grant"));
            }
            if (a.getApprover() != Approver.USER) {
                return CompletableFuture.failedFuture(new UserMayNotDecide(a.getId()));
            }
            if (a.getState() != ApprovalState.PENDING) {
                return CompletableFuture.completedFuture(a);
            }
            a = decideLocked(a, answer.getApprove(), answer.getComment(), "user");
        }
        publish(a);
        return CompletableFuture.completedFuture(a);
    }

    /** An operator's decision through the admin endpoint. */
    public Decision decide(String id, boolean approve, String comment, String by) {
        Approval a;
        synchronized (this) {
            a = current(id);
            if (a == null) {
                return new Decision(Decided.NOT_FOUND, null);
            }
            if (a.getState() != ApprovalState.PENDING) {
                return new Decision(Decided.NOT_PENDING, a);
            }
            a = decideLocked(a, approve, comment, by);
        }
        publish(a);
        return new Decision(Decided.DECIDED, a);
    }

    /** Pending approvals, oldest first. */
    public synchronized List<Approval> pending() {
        List<Approval> out = new ArrayList<>();
        for (String id : List.copyOf(byId.keySet())) {
            Approval a = current(id);
            if (a != null && a.getState() == ApprovalState.PENDING) {
                out.add(a);
            }
        }
        out.sort(Comparator.comparingLong(Approval::getRequestedAtMillis));
        return out;
    }

    /** The approval as of now (expired when its time is up), or null. */
    public synchronized Approval find(String id) {
        return current(id);
    }

    @Override
    public void onDecision(Consumer<Approval> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }

    private Approval decideLocked(Approval a, boolean approve, String comment, String by) {
        Approval decided = a.toBuilder().setState(approve ? ApprovalState.APPROVED : ApprovalState.DENIED)
                .setDecidedBy(by).setDecidedAtMillis(clock.millis()).setComment(comment == null ? "" : comment).build();
        byId.put(a.getId(), decided);
        return decided;
    }

    private void expire(String id) {
        Approval a;
        synchronized (this) {
            a = current(id);
            if (a == null || a.getState() != ApprovalState.EXPIRED) {
                forgetLater(id);
                return; // decided (and announced) before its time was up
            }
        }
        forgetLater(id);
        publish(a);
    }

    private void forgetLater(String id) {
        timers.schedule(() -> {
            synchronized (this) {
                byId.remove(id);
            }
        }, RETENTION_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Applies the clock: a pending or approved-but-unused approval past its time is expired from then on. */
    private Approval current(String id) {
        Approval a = id == null ? null : byId.get(id);
        if (a != null && (a.getState() == ApprovalState.PENDING || a.getState() == ApprovalState.APPROVED)
                && clock.millis() >= a.getExpiresAtMillis()) {
            a = a.toBuilder().setState(ApprovalState.EXPIRED).build();
            byId.put(id, a);
        }
        return a;
    }

    private boolean live(Approval a, long now) {
        return (a.getState() == ApprovalState.PENDING || a.getState() == ApprovalState.APPROVED) && now < a.getExpiresAtMillis();
    }

    private void publish(Approval a) {
        for (Consumer<Approval> l : listeners) {
            l.accept(a);
        }
    }

    private static CompletionStage<ConsumeReply> done(ConsumeReply.Builder b) {
        return CompletableFuture.completedFuture(b.build());
    }
}
