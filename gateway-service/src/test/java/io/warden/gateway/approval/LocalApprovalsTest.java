package io.warden.gateway.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.approval.v1.Approval;
import io.warden.api.approval.v1.ApprovalRequest;
import io.warden.api.approval.v1.ApprovalState;
import io.warden.api.approval.v1.Approver;
import io.warden.api.approval.v1.ConsumeReply;
import io.warden.api.approval.v1.ConsumeRequest;
import io.warden.api.approval.v1.UserAnswer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalApprovalsTest {

    final AtomicLong now = new AtomicLong(Instant.parse("2026-07-28T10:00:00Z").toEpochMilli());
    final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    final LocalApprovals approvals = new LocalApprovals(clock, 3);

    static ApprovalRequest request(String digest, Approver approver) {
        return ApprovalRequest.newBuilder().setGrantId("g1").setServer("s").setTool("wipe").setArgumentDigest(digest)
                .setTimeoutMillis(60_000).setApprover(approver).setReason("Destructive").build();
    }

    Approval open(String digest, Approver approver) {
        return approvals.request(request(digest, approver)).toCompletableFuture().join();
    }

    ConsumeReply consume(Approval a, String grant, String digest) {
        return approvals.consume(ConsumeRequest.newBuilder().setId(a.getId()).setGrantId(grant).setServer("s").setTool("wipe")
                .setArgumentDigest(digest).build()).toCompletableFuture().join();
    }

    @Test
    void aRetriedCallFindsTheLiveApprovalAndOneApprovalRunsOneCallOnce() {
        List<Approval> decisions = new ArrayList<>();
        approvals.onDecision(decisions::add);
        Approval a = open("d1", Approver.OPERATOR);
        assertEquals(ApprovalState.PENDING, a.getState());
        assertEquals(a.getId(), open("d1", Approver.OPERATOR).getId(), "the same call does not open a second approval");
        assertNotEquals(a.getId(), open("d2", Approver.OPERATOR).getId());
        assertEquals("not_approved", consume(a, "g1", "d1").getRefusal());

        assertEquals(LocalApprovals.Decided.DECIDED, approvals.decide(a.getId(), true, "ok", "alice").outcome());
        assertEquals(LocalApprovals.Decided.NOT_PENDING, approvals.decide(a.getId(), false, "", "bob").outcome());
        assertEquals(1, decisions.size());
        assertEquals("alice", decisions.get(0).getDecidedBy());

        assertEquals("mismatch", consume(a, "g2", "d1").getRefusal(), "another grant");
        assertEquals("mismatch", consume(a, "g1", "d9").getRefusal(), "other arguments");
        assertTrue(consume(a, "g1", "d1").getConsumed());
        ConsumeReply again = consume(a, "g1", "d1");
        assertFalse(again.getConsumed());
        assertEquals("already_used", again.getRefusal());
        assertNotEquals(a.getId(), open("d1", Approver.OPERATOR).getId(), "a used approval is not live any more");
    }

    @Test
    void anApprovalExpiresAtItsTimeout() {
        Approval a = open("d1", Approver.OPERATOR);
        approvals.decide(a.getId(), true, "", "alice");
        now.addAndGet(60_000);
        assertEquals(ApprovalState.EXPIRED, approvals.find(a.getId()).getState());
        assertEquals("expired", consume(a, "g1", "d1").getRefusal());
        assertEquals(LocalApprovals.Decided.NOT_FOUND, approvals.decide("apr_nope", true, "", "x").outcome());
    }

    @Test
    void theUserDecidesOnlyWhereTheRuleLetsThem() {
        Approval op = open("d1", Approver.OPERATOR);
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> approvals
                .answerAsUser(UserAnswer.newBuilder().setId(op.getId()).setGrantId("g1").setApprove(true).build())
                .toCompletableFuture().join());
        assertInstanceOf(Approvals.UserMayNotDecide.class, e.getCause());
        assertEquals(ApprovalState.PENDING, approvals.find(op.getId()).getState());

        Approval user = open("d2", Approver.USER);
        org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> approvals
                .answerAsUser(UserAnswer.newBuilder().setId(user.getId()).setGrantId("g2").setApprove(true).build())
                .toCompletableFuture().join(), "another grant's user cannot decide");
        Approval decided = approvals.answerAsUser(UserAnswer.newBuilder().setId(user.getId()).setGrantId("g1").setApprove(true)
                .build()).toCompletableFuture().join();
        assertEquals(ApprovalState.APPROVED, decided.getState());
        assertEquals("user", decided.getDecidedBy());
    }

    @Test
    void openApprovalsAreBounded() {
        open("d1", Approver.OPERATOR);
        open("d2", Approver.OPERATOR);
        open("d3", Approver.OPERATOR);
        assertTrue(approvals.request(request("d4", Approver.OPERATOR)).toCompletableFuture().isCompletedExceptionally());
    }
}
