package io.warden.policyservice.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policyservice.grants.GrantView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The replay itself: classes, limits on the record's clock, and what it refuses to guess. */
class ShadowEvaluatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private static final GrantView BOT = new GrantView("bot", "Support bot", "billing", "old", Map.of("team", "support"),
            "active", T0, null, null, null);

    private static ShadowEvaluator evaluator(String policy) throws Exception {
        JsonNode doc = JSON.readTree(policy);
        CompileResult compiled = PolicyCompiler.compile(doc);
        assertTrue(compiled.ok(), compiled.problems().toString());
        return new ShadowEvaluator(compiled.policy(), doc, "billing", "Billing", Map.of("bot", BOT), Map.of());
    }

    private static Recorded call(int second, String tool, String outcome) {
        return new Recorded("id-" + second + "-" + tool, T0.plusSeconds(second), "bot", "Support bot", "tools/call", tool,
                outcome, null);
    }

    @Test
    void eachRecordedCallIsReplayedAndOnlyWhatTheRecordHoldsIsJudged() throws Exception {
        ShadowEvaluator shadow = evaluator("""
                {"version": "1", "default": "allow", "hide": ["delete_*"],
                 "tools": {
                   "add": {"limits": [{"counter": "adds", "window": "hour", "max": 2, "scope": "grant"}]},
                   "echo": {"deny_if": [{"conditions": [{"path": "args.message", "op": "contains", "value": "x"}]}]},
                   "refund": {"approval": [{"name": "always", "conditions": []}]},
                   "support_only": {"require": [{"conditions": [{"path": "grant.tags.team", "op": "eq", "value": "ops"}],
                                                 "on_deny": "Ops only."}]}},
                 "methods": {"prompts/get": "deny"}}
                """);
        List<Recorded> calls = new ArrayList<>(List.of(
                call(0, "add", "allowed"), call(1, "add", "allowed"), call(2, "add", "allowed"),
                call(3, "delete_account", "allowed"),
                call(4, "echo", "allowed"),
                call(5, "refund", "upstream_error"),
                call(6, "support_only", "allowed"),
                call(7, "anything_else", "denied"),
                call(8, "add", "unauthenticated")));
        calls.add(new Recorded("m1", T0.plusSeconds(9), "bot", null, "prompts/get", null, "allowed", null));
        calls.add(new Recorded("m2", T0.plusSeconds(10), "bot", null, "resources/read", null, "allowed", null));

        ShadowEvaluator.Tally t = shadow.replay(calls);

        assertEquals(1, t.skipped, "a refused token involves no policy");
        assertEquals(10, t.evaluated);
        assertEquals(1, t.cannotTell, "echo's rule reads an argument value the record does not keep");
        assertEquals(ShadowEvaluator.CANNOT_TELL, t.cannotTellExamples.get(0).outcome());
        assertTrue(t.cannotTellExamples.get(0).reason().contains("argument values"), t.cannotTellExamples.toString());
        Map<String, Integer> changes = new java.util.HashMap<>();
        t.changeList().forEach(c -> changes.put(c.from() + ">" + c.to(), c.count()));
        assertEquals(Map.of("allowed>rate_limited", 1, "allowed>hidden", 1, "allowed>approval_required", 1,
                "allowed>denied", 2, "denied>allowed", 1), changes);
        assertEquals(3, t.unchanged, "the first two adds and resources/read");
        ShadowReport.Change denied = t.changeList().stream().filter(c -> c.to().equals("denied")).findFirst().orElseThrow();
        assertEquals("prompts/get", denied.examples().get(0).method(), "newest first");
        assertEquals("Ops only.", denied.examples().get(1).message(), "grant tags come from the stored grant");
        assertEquals(Map.of("allowed", 4, "denied", 2, "rate_limited", 1, "hidden", 1, "approval_required", 1,
                "cannot_tell", 1), t.after);
    }

    @Test
    void aCallThatRanAfterAnApprovalStillNeededOne() throws Exception {
        ShadowEvaluator shadow = evaluator("""
                {"version": "1", "default": "allow", "tools": {"refund": {"approval": [{"name": "always", "conditions": []}]}}}
                """);
        // The completion of an approved call overwrites the stored outcome; its rule is still the approval's.
        Recorded approvedAndRan = new Recorded("a1", T0, "bot", null, "tools/call", "refund", "allowed",
                "/tools/refund/approval/always");
        ShadowEvaluator.Tally t = shadow.replay(List.of(approvedAndRan, call(1, "refund", "approval_required")));
        assertEquals(2, t.unchanged, t.changeList().toString());
        assertEquals(1, evaluator("{\"version\": \"1\", \"default\": \"allow\"}").replay(List.of(approvedAndRan))
                .changeList().stream().filter(c -> c.from().equals("approval_required") && c.to().equals("allowed"))
                .count(), "without the approval rule it would have run unasked");
    }

    @Test
    void globKeysMatchLikeTheEnginesAndAHostileGlobCostsLittle() throws Exception {
        assertTrue(ShadowEvaluator.globMatches("get_*", "get_user"));
        assertTrue(ShadowEvaluator.globMatches("*_user", "get_user"));
        assertTrue(ShadowEvaluator.globMatches("g?t_*r", "get_user"));
        assertTrue(ShadowEvaluator.globMatches("*", ""));
        assertFalse(ShadowEvaluator.globMatches("get_?", "get_user"));
        assertFalse(ShadowEvaluator.globMatches("*_admin", "get_user"));
        // Exponential for a backtracking regex; a few thousand steps here. The answer must come back at all.
        assertFalse(ShadowEvaluator.globMatches("a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000)));

        ShadowEvaluator shadow = evaluator("""
                {"version": "1", "default": "deny",
                 "tools": {"get_*": {"deny_if": [{"conditions": [{"path": "args.id", "op": "eq", "value": 1}]}]},
                           "list_*": {}}}
                """);
        assertEquals("cannot_tell", shadow.evaluate(call(0, "get_user", "allowed")).outcome(), "the glob reads args.id");
        assertEquals("allowed", shadow.evaluate(call(0, "list_users", "allowed")).outcome(), "this glob reads nothing");
    }

    @Test
    void bucketsRefillOnTheRecordsClock() throws Exception {
        ShadowEvaluator shadow = evaluator("""
                {"version": "1", "default": "allow",
                 "tools": {"add": {"limits": [{"counter": "adds", "window": "minute", "max": 1, "scope": "grant"}]}}}
                """);
        // 0 s takes the token; 30 s finds half a token; 61 s finds one again; 62 s finds none.
        assertEquals("allowed", shadow.evaluate(call(0, "add", "allowed")).outcome());
        assertEquals("rate_limited", shadow.evaluate(call(30, "add", "allowed")).outcome());
        assertEquals("allowed", shadow.evaluate(call(61, "add", "rate_limited")).outcome());
        ShadowEvaluator.Verdict limited = shadow.evaluate(call(62, "add", "allowed"));
        assertEquals("rate_limited", limited.outcome());
        assertEquals("/tools/add/limits/0", limited.rule());
    }

    @Test
    void whatNoArgumentCanChangeIsStillJudgedAndSessionLimitsAreNotGuessed() throws Exception {
        ShadowEvaluator shadow = evaluator("""
                {"version": "1", "default": "deny", "hide": ["secret"],
                 "all_tools": {"deny_if": [{"conditions": [{"path": "args.amount", "op": "gt", "value": 5}]}]},
                 "tools": {"ping": {"limits": [{"counter": "pings", "window": "hour", "max": 1, "scope": "session"}]},
                           "pong": {}}}
                """);
        assertEquals("hidden", shadow.evaluate(call(0, "secret", "allowed")).outcome(), "hidden whatever the arguments");
        assertEquals("denied", shadow.evaluate(call(0, "unlisted", "allowed")).outcome(), "default deny whatever the arguments");
        assertEquals("cannot_tell", shadow.evaluate(call(0, "pong", "allowed")).outcome(), "all_tools reads args.amount");

        ShadowEvaluator sessions = evaluator("""
                {"version": "1", "default": "allow",
                 "tools": {"ping": {"limits": [{"counter": "pings", "window": "hour", "max": 1, "scope": "session"}]}}}
                """);
        assertEquals("allowed", sessions.evaluate(call(0, "ping", "allowed")).outcome());
        ShadowEvaluator.Verdict second = sessions.evaluate(call(1, "ping", "allowed"));
        assertEquals("cannot_tell", second.outcome(), "the record keeps no session: one bucket per grant would guess");
        assertTrue(second.reason().contains("session"), second.reason());
    }
}
