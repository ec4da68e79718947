package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
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
}
