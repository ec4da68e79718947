package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Subject ALICE = new Subject("g-1", "alice", Map.of("team", "support"), "srv-1", "billing");
    static final Instant NOON_MONDAY = Instant.parse("2026-03-02T12:00:00Z");

    static CompiledPolicy compile(String json) {
        CompileResult r = PolicyCompiler.compile(json.replace('\'', '"'));
        assertTrue(r.ok(), () -> r.problems().toString());
        return r.policy();
    }

    static JsonNode args(String json) {
        try {
            return JSON.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Decision call(CompiledPolicy p, String tool, String arguments) {
        return p.evaluateCall(new CallContext(ALICE, tool, arguments == null ? null : args(arguments), null,
                NOON_MONDAY));
    }

    static final String REFUNDS = """
        {'version':'1','default':'deny','hide':['delete_account','admin_*'],
         'tools':{
           'list_customers':{},
           'create_refund':{
             'require':[{'name':'needs-reason','conditions':[{'path':'args.reason','op':'exists','value':true}],
                         'on_deny':'Refunds need a reason.'}],
             'deny_if':[{'conditions':[{'path':'args.amount','op':'gt','value':10000}],
                         'on_deny':'Refunds over $100 need manual processing.'}],
             'approval':[{'conditions':[{'path':'args.amount','op':'gt','value':1000}],'reason':'Large refund',
                          'timeout':'15m'}],
             'limits':[{'counter':'refunds_per_hour','window':'hour','max':10,'scope':'grant'}]}}}
        """;

    @Test
    void defaultDenyAndListedTool() {
        CompiledPolicy p = compile(REFUNDS);
        Decision d = call(p, "send_email", "{}");
        assertEquals(Outcome.DENY, d.outcome());
        assertEquals("(default deny)", d.rule());
        Decision ok = call(p, "list_customers", "{}");
        assertTrue(ok.allowed());
        assertEquals("", ok.rule());
        assertTrue(ok.limits().isEmpty());
    }

    @Test
    void hiddenExactAndGlob() {
        CompiledPolicy p = compile(REFUNDS);
        assertEquals(Outcome.HIDDEN, call(p, "delete_account", null).outcome());
        assertEquals("(hidden)", call(p, "admin_reset", null).rule());
        assertTrue(p.isHidden("admin_x"));
        assertFalse(p.isHidden("list_customers"));
        assertFalse(p.isListed(ToolInfo.named("admin_x"), ALICE));
        assertTrue(p.isListed(ToolInfo.named("send_email"), ALICE));
    }

    @Test
    void requireDenyIfApprovalLimitsInOrder() {
        CompiledPolicy p = compile(REFUNDS);
        Decision noReason = call(p, "create_refund", "{'amount':5}");
        assertEquals(Outcome.DENY, noReason.outcome());
        assertEquals("/tools/create_refund/require/needs-reason", noReason.rule());
        assertEquals("Refunds need a reason.", noReason.message());

        Decision tooBig = call(p, "create_refund", "{'amount':20000,'reason':'x'}");
        assertEquals("/tools/create_refund/deny_if/0", tooBig.rule());
        assertEquals("Refunds over $100 need manual processing.", tooBig.message());

        Decision approval = call(p, "create_refund", "{'amount':2000,'reason':'x'}");
        assertEquals(Outcome.APPROVAL_REQUIRED, approval.outcome());
        assertNotNull(approval.approval());
        assertEquals("/tools/create_refund/approval/0", approval.approval().rule());
        assertEquals(15 * 60_000L, approval.approval().timeoutMillis());
        assertEquals(ApprovalRequirement.Approver.OPERATOR, approval.approval().approver());
        assertEquals(1, approval.limits().size());

        Decision small = call(p, "create_refund", "{'amount':50,'reason':'x'}");
        assertTrue(small.allowed());
        assertNull(small.approval());
        LimitCharge c = small.limits().get(0);
        assertEquals("refunds_per_hour|grant", c.bucketId());
        assertEquals("refunds_per_hour|grant|g-1", c.key());
        assertEquals("/tools/create_refund/limits/0", c.rule());
        assertEquals(10, c.capacity());
        assertEquals(10, c.refillTokens());
        assertEquals(3_600_000L, c.windowMillis());
        assertEquals(1, c.cost());
        assertEquals(LimiterErrorMode.CLOSED, c.onLimiterError());
    }

    @Test
    void approverUserIsCarriedToTheRequirement() {
        CompiledPolicy p = compile("""
                {"version":"1","default":"deny","tools":{"wipe":{"approval":[
                  {"conditions":[],"approver":"user"}]}}}""");
        Decision d = call(p, "wipe", "{}");
        assertEquals(Outcome.APPROVAL_REQUIRED, d.outcome());
        assertEquals(ApprovalRequirement.Approver.USER, d.approval().approver());
    }

    static CompiledPolicy compile(String json, String policyId) throws Exception {
        CompileResult r = PolicyCompiler.compile(JSON.readTree(json.replace('\'', '"')), policyId);
        assertTrue(r.ok(), () -> r.problems().toString());
        return r.policy();
    }

    static String limited(String scope, int max) {
        return "{'version':'1','default':'allow','all_tools':{'limits':[{'counter':'calls','window':'hour','max':" + max
                + ",'scope':'" + scope + "','key':'args.region'}]}}";
    }

    @Test
    void serverAndGlobalBucketsOfTwoPoliciesNeverShareAKey() throws Exception {
        for (String scope : List.of("server", "global")) {
            LimitCharge a = call(compile(limited(scope, 1), "strict"), "echo", "{'region':'eu'}").limits().get(0);
            LimitCharge b = call(compile(limited(scope, 100), "relaxed"), "echo", "{'region':'eu'}").limits().get(0);
            LimitCharge again = call(compile(limited(scope, 1), "strict"), "echo", "{'region':'eu'}").limits().get(0);

            assertNotEquals(a.key(), b.key(), scope + ": same counter name, other policy, other bucket");
            assertEquals(a.key(), again.key(), scope + ": the same policy keeps its bucket across compilations");
            assertEquals("calls|" + scope + "@strict", a.bucketId());
            assertEquals("calls|" + scope + "@relaxed", b.bucketId());
        }
        assertEquals("calls|server@strict|srv-1|\"eu\"",
                call(compile(limited("server", 1), "strict"), "echo", "{'region':'eu'}").limits().get(0).key());
        assertEquals("calls|global@strict|\"eu\"",
                call(compile(limited("global", 1), "strict"), "echo", "{'region':'eu'}").limits().get(0).key());
    }

    @Test
    void grantBucketsAndPoliciesWithoutAnIdKeepTheirKeys() throws Exception {
        assertEquals("calls|grant|g-1|\"eu\"",
                call(compile(limited("grant", 1), "strict"), "echo", "{'region':'eu'}").limits().get(0).key());
        assertEquals("calls|global|\"eu\"", call(compile(limited("global", 1)), "echo", "{'region':'eu'}").limits().get(0).key());
        assertEquals("calls|server|srv-1|\"eu\"",
                call(compile(limited("server", 1)), "echo", "{'region':'eu'}").limits().get(0).key());
    }

    @Test
    void typeConfusionNeverSlipsPastGt() {
        CompiledPolicy p = compile(REFUNDS);
        for (String amount : new String[] {"'20000'", "[20000]", "{'v':20000}", "'abc'", "true", "null"}) {
            Decision d = call(p, "create_refund", "{'reason':'x','amount':" + amount + "}");
            assertEquals(Outcome.DENY, d.outcome(), amount);
        }
        Decision obj = call(p, "create_refund", "{'reason':'x','amount':{'v':20000}}");
        assertTrue(obj.message().contains("args.amount is an object"), obj.message());
        assertFalse(obj.message().contains("20000"), obj.message());
    }

    @Test
    void shadowPolicyNeverBlocksButRecordsFindings() {
        CompiledPolicy p = compile(REFUNDS.replace("'default':'deny'", "'default':'deny','mode':'shadow'"));
        assertTrue(p.shadow());
        assertFalse(p.isHidden("delete_account"));
        assertTrue(p.hides("delete_account"));
        Decision d = call(p, "create_refund", "{'amount':20000,'reason':'x'}");
        assertTrue(d.allowed());
        assertEquals(1, d.shadow().size());
        assertEquals("/tools/create_refund/deny_if/0", d.shadow().get(0).rule());
        assertEquals(Outcome.DENY, d.shadow().get(0).wouldBe());
        Decision ok = call(p, "create_refund", "{'amount':5,'reason':'x'}");
        assertTrue(ok.allowed());
        assertTrue(ok.limits().get(0).shadow(), "a shadow policy's limits never block");
        assertEquals(Outcome.HIDDEN, call(p, "delete_account", null).shadow().get(0).wouldBe());
    }

    @Test
    void shadowEntryAndShadowLimit() {
        CompiledPolicy p = compile("""
            {'version':'1','default':'allow','tools':{'t':{
              'deny_if':[{'name':'big','mode':'shadow','conditions':[{'path':'args.n','op':'gt','value':5}]}],
              'limits':[{'counter':'c','window':'second','max':1,'scope':'global','mode':'shadow'}]}}}
            """);
        Decision d = call(p, "t", "{'n':9}");
        assertTrue(d.allowed());
        assertEquals("/tools/t/deny_if/big", d.shadow().get(0).rule());
        assertTrue(d.limits().get(0).shadow());
        assertEquals("c|global", d.limits().get(0).key());
    }

    @Test
    void methodsRules() {
        CompiledPolicy p = compile("{'version':'1','default':'deny','methods':{'prompts/get':'deny','resources/read':'allow'}}");
        assertEquals(Outcome.DENY, p.evaluateMethod("prompts/get", ALICE).outcome());
        assertEquals("/methods/prompts~1get", p.evaluateMethod("prompts/get", ALICE).rule());
        assertTrue(p.evaluateMethod("resources/read", ALICE).allowed());
        assertTrue(p.evaluateMethod("completion/complete", ALICE).allowed());
        assertTrue(p.evaluateMethod("initialize", ALICE).allowed());
        assertTrue(p.evaluateMethod("notifications/initialized", ALICE).allowed());
        assertEquals(Outcome.DENY, Decision.noPolicy().outcome());
        assertEquals("(no policy)", Decision.noPolicy().rule());
    }

    @Test
    void listCallableDropsToolsThisSubjectCanNeverCall() {
        CompiledPolicy p = compile("""
            {'version':'1','default':'deny','list':'callable','tools':{
              'open':{},
              'off':{'deny_if':[{'conditions':[]}]},
              'security_only':{'require':[{'conditions':[{'path':'grant.tags.team','op':'eq','value':'security'}]}]},
              'big_only':{'deny_if':[{'conditions':[{'path':'args.n','op':'gt','value':5}]}]}}}
            """);
        assertTrue(p.isListed(ToolInfo.named("open"), ALICE));
        assertFalse(p.isListed(ToolInfo.named("off"), ALICE));
        assertFalse(p.isListed(ToolInfo.named("security_only"), ALICE));
        assertTrue(p.isListed(ToolInfo.named("security_only"),
                new Subject("g-2", null, Map.of("team", "security"), "srv-1", null)));
        assertTrue(p.isListed(ToolInfo.named("big_only"), ALICE), "argument conditions do not hide a tool");
        assertFalse(p.isListed(ToolInfo.named("unlisted"), ALICE));
    }

    @Test
    void limitKeysCostsAndSharedBuckets() {
        CompiledPolicy p = compile("""
            {'version':'1','default':'allow','on_limiter_error':'local',
             'all_tools':{'limits':[{'counter':'budget','window':'90s','max':100,'burst':150,'scope':'server',
                                     'key':['args.customer','grant.id'],'cost_from':'args.amount'}]},
             'tools':{'pay':{'limits':[{'counter':'budget','window':90,'max':100,'burst':150,'scope':'server',
                                        'key':['args.customer','grant.id'],'cost':3}]}}}
            """);
        Decision d = call(p, "pay", "{'customer':'c|1','amount':'2.5'}");
        assertTrue(d.allowed(), d::message);
        assertEquals(1, d.limits().size(), "two limits on one bucket key are merged");
        LimitCharge c = d.limits().get(0);
        assertEquals("budget|server|srv-1|\"c|1\"|\"g-1\"", c.key());
        assertEquals(6, c.cost(), "ceil(2.5) + 3");
        assertEquals(150, c.capacity());
        assertEquals(90_000L, c.windowMillis());
        assertEquals(LimiterErrorMode.LOCAL, c.onLimiterError());
        assertEquals(Outcome.DENY, call(p, "other", "{'customer':'c'}").outcome(), "missing cost_from denies");
        assertEquals(Outcome.DENY, call(p, "other", "{'amount':-1}").outcome(), "negative cost_from denies");
        assertEquals(Outcome.DENY, call(p, "other", "{'amount':1e30}").outcome(), "cost above capacity denies");
        Decision noKey = call(p, "other", "{'amount':1}");
        assertEquals("budget|server|srv-1|-|\"g-1\"", noKey.limits().get(0).key());
    }

    @Test
    void operatorsOnContextAndWildcards() {
        CompiledPolicy p = compile("""
            {'version':'1','default':'allow','tools':{'t':{'deny_if':[
              {'name':'a','conditions':[{'path':'args.items.*.sku','op':'starts_with','value':'X-'}]},
              {'name':'b','conditions':[{'path':'args.path','op':'ends_with','value':'.env'}]},
              {'name':'c','conditions':[{'path':'args.tags','op':'contains','value':'secret'}]},
              {'name':'d','conditions':[{'not':{'path':'server.name','op':'in','value':['billing','crm']}}]},
              {'name':'e','conditions':[{'path':'args.n','op':'eq','value':7}]},
              {'name':'f','conditions':[{'path':'args.list.1','op':'eq','value':'second'}]},
              {'name':'g','conditions':[{'path':'tool.category','op':'eq','value':'financial'}]}]}}}
            """);
        assertEquals("/tools/t/deny_if/a", call(p, "t", "{'items':[{'sku':'A-1'},{'sku':'X-2'}]}").rule());
        assertTrue(call(p, "t", "{'items':[{'sku':'A-1'}]}").allowed());
        assertEquals("/tools/t/deny_if/b", call(p, "t", "{'path':'/app/.env'}").rule());
        assertEquals("/tools/t/deny_if/c", call(p, "t", "{'tags':['a','secret']}").rule());
        assertEquals("/tools/t/deny_if/c", call(p, "t", "{'tags':'top-secret'}").rule());
        assertEquals("/tools/t/deny_if/e", call(p, "t", "{'n':'7'}").rule(), "numeric strings compare as numbers");
        assertEquals("/tools/t/deny_if/e", call(p, "t", "{'n':7.0}").rule());
        assertEquals("/tools/t/deny_if/f", call(p, "t", "{'list':['first','second']}").rule());
        Decision fromOtherServer = p.evaluateCall(new CallContext(Subject.of("g", "x"), "t", null, null, NOON_MONDAY));
        assertEquals("/tools/t/deny_if/d", fromOtherServer.rule());
        assertTrue(fromOtherServer.message().contains("server.name is one of"), fromOtherServer.message());
        Decision financial = p.evaluateCall(new CallContext(ALICE, "t", null,
                new ToolInfo("t", "Issue a refund to a customer", null, null), NOON_MONDAY));
        assertEquals("/tools/t/deny_if/g", financial.rule());
    }

    @Test
    void engineMessagesNameTheRuleWithoutEchoingArguments() {
        CompiledPolicy p = compile("""
            {'version':'1','default':'allow','tools':{'t':{
              'require':[{'conditions':[{'path':'args.token','op':'regex','value':'^tok_'}]}],
              'deny_if':[{'conditions':[{'path':'args.amount','op':'gte','value':100}]}]}}}
            """);
        Decision missing = call(p, "t", "{'token':'sk_live_SECRET'}");
        assertEquals("/tools/t/require/0", missing.rule());
        assertEquals("Denied by rule /tools/t/require/0: requires that args.token matches the pattern \"^tok_\".",
                missing.message());
        Decision big = call(p, "t", "{'token':'tok_SECRET','amount':1000}");
        assertEquals("Denied by rule /tools/t/deny_if/0: args.amount is at least 100.", big.message());
        Decision wrongType = call(p, "t", "{'token':12345}");
        assertEquals("Denied by rule /tools/t/require/0: args.token is a number, which operator regex cannot judge "
                + "(expected a string).", wrongType.message());
        assertFalse(wrongType.message().contains("12345"));
    }

    @Test
    void classifier() {
        assertEquals(RiskCategory.READ, RiskCategory.classify(new ToolInfo("delete_user",
                null, args("{'readOnlyHint':true}"), null)));
        assertEquals(RiskCategory.DESTRUCTIVE, RiskCategory.classify(new ToolInfo("update_user",
                null, args("{'destructiveHint':true}"), null)));
        assertEquals(RiskCategory.FINANCIAL, RiskCategory.classify(ToolInfo.named("createRefund")));
        assertEquals(RiskCategory.DESTRUCTIVE, RiskCategory.classify(ToolInfo.named("drop_table")));
        assertEquals(RiskCategory.EXECUTE, RiskCategory.classify(ToolInfo.named("run_sql")));
        assertEquals(RiskCategory.EXECUTE, RiskCategory.classify(new ToolInfo("do_it", "Executes a shell command",
                null, null)));
        assertEquals(RiskCategory.WRITE, RiskCategory.classify(ToolInfo.named("list_users")),
                "without annotations nothing is read");
        assertEquals(RiskCategory.WRITE, RiskCategory.classify(ToolInfo.named("payload_upload")));
        assertEquals(RiskCategory.READ, RiskCategory.classify(new ToolInfo("purge", null, null, "read")),
                "a pinned category wins");
    }

    @Test
    void pointersEscapeToolNames() {
        CompiledPolicy p = compile("{'version':'1','default':'allow','tools':{'a/b~c':{'deny_if':[{'conditions':[]}]}}}");
        assertEquals("/tools/a~1b~0c/deny_if/0", call(p, "a/b~c", null).rule());
    }

    @Test
    void starHidesEverythingAndNullToolIsUnknown() {
        CompiledPolicy p = compile("{'version':'1','default':'allow','hide':['*']}");
        assertEquals(Outcome.HIDDEN, call(p, "anything", null).outcome());
        assertFalse(p.isListed(ToolInfo.named("anything"), ALICE));
        assertEquals(Outcome.HIDDEN, call(p, null, null).outcome());
        assertEquals(Outcome.DENY, p.evaluateCall(null).outcome());
    }

    @Test
    void argumentsOfAnyShapeNeverThrow() {
        CompiledPolicy p = compile(REFUNDS);
        for (String a : new String[] {"null", "[]", "7", "'text'", "{'amount':{'a':[1,{'b':2}]},'reason':null}"}) {
            Decision d = call(p, "create_refund", a);
            assertEquals(Outcome.DENY, d.outcome(), a);
        }
    }
}
