package io.warden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PolicyLayer's other forms: action with reason, rate_limit blocks, session-scoped limits, and their canonical form. */
class PolicyLayerFormsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-03-02T12:00:00Z");
    static final Subject GRANT = new Subject("g-1", "bot", Map.of(), "srv-1", "billing");
    static final Path CORPUS = Path.of("src/test/resources/policies/valid/policylayer-forms.json");

    static JsonNode doc(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    static CompiledPolicy compile(JsonNode doc) {
        CompileResult r = PolicyCompiler.compile(doc, "pol-1");
        assertTrue(r.ok(), () -> r.problems().toString());
        return r.policy();
    }

    static Decision call(CompiledPolicy p, Subject s, String tool) {
        return p.evaluateCall(new CallContext(s, tool, JSON.createObjectNode(), null, NOW));
    }

    @Test
    void rateLimitWindowIsInSecondsAndScopeDefaultsToGrant() throws Exception {
        CompiledPolicy p = compile(doc("{'version':'1','default':'deny','tools':{'search':{'rate_limit':{'max':10,'window':60}}}}"));
        Decision d = call(p, GRANT, "search");
        assertTrue(d.allowed());
        LimitCharge c = d.limits().get(0);
        assertEquals(60_000L, c.windowMillis());
        assertEquals(10, c.capacity());
        assertEquals(10, c.refillTokens());
        assertEquals("grant", c.scope());
        assertEquals("/tools/search/rate_limit", c.rule());
        assertEquals("rate_limit:/tools/search|grant|g-1", c.key());
    }

    @Test
    void sessionBucketsDifferBetweenSessionsAndNeverHoldTheSessionId() throws Exception {
        CompiledPolicy p = compile(doc("{'version':'1','default':'allow','all_tools':{'rate_limit':{'max':3,'window':60,'scope':'session'}}}"));
        String one = call(p, GRANT.withSession("session-token-one"), "x").limits().get(0).key();
        String oneAgain = call(p, GRANT.withSession("session-token-one"), "y").limits().get(0).key();
        String two = call(p, GRANT.withSession("session-token-two"), "x").limits().get(0).key();
        String none = call(p, GRANT, "x").limits().get(0).key();
        String otherGrant = call(p, new Subject("g-2", null, Map.of(), "srv-1", null).withSession("session-token-one"), "x")
                .limits().get(0).key();
        assertEquals(one, oneAgain);
        assertNotEquals(one, two);
        assertNotEquals(one, none);
        assertNotEquals(one, otherGrant);
        assertEquals("rate_limit:/all_tools|session|g-1|-", none, "a call without a session takes the grant's one session-less bucket");
        assertTrue(one.startsWith("rate_limit:/all_tools|session|g-1|"));
        assertFalse(one.contains("session-token-one"), "the session id is a bearer value: only its digest is kept");
        assertFalse(GRANT.withSession("session-token-one").toString().contains("session-token-one"));
    }

    @Test
    void sessionScopeWorksInLimitsToo() throws Exception {
        CompiledPolicy p = compile(doc("{'version':'1','default':'allow','tools':{'x':{'limits':[{'counter':'c','window':'minute','max':2,'scope':'session','key':'args.a'}]}}}"));
        Decision d = p.evaluateCall(new CallContext(GRANT.withSession("s"), "x", doc("{'a':7}"), null, NOW));
        LimitCharge c = d.limits().get(0);
        assertEquals("c|session", c.bucketId(), "session buckets, like grant buckets, carry no policy id");
        assertTrue(c.key().startsWith("c|session|g-1|") && c.key().endsWith("|7"), c.key());
    }

    @Test
    void actionsBecomeTheSameEntries() throws Exception {
        CompiledPolicy p = compile(doc("{'version':'1','default':'deny','tools':{'a':{'action':'allow'},"
                + "'d':{'action':'deny','reason':'Not here.'},'r':{'action':'require_approval','reason':'Ask Bob.'}}}"));
        assertTrue(call(p, GRANT, "a").allowed());
        Decision denied = call(p, GRANT, "d");
        assertEquals(Outcome.DENY, denied.outcome());
        assertEquals("Not here.", denied.message());
        assertEquals("/tools/d/action", denied.rule());
        Decision held = call(p, GRANT, "r");
        assertEquals(Outcome.APPROVAL_REQUIRED, held.outcome());
        assertEquals("Ask Bob.", held.approval().reason());
        assertEquals("/tools/r/action", held.approval().rule());
        assertEquals(10 * 60_000L, held.approval().timeoutMillis());
    }

    @Test
    void canonicalFormUsesOnlyTheOldFormsAndDecidesTheSame() throws Exception {
        JsonNode original = JSON.readTree(Files.readString(CORPUS));
        ObjectNode canonical = PolicyForms.canonical(original);
        String text = canonical.toString();
        assertFalse(text.contains("\"action\":") || text.contains("\"rate_limit\":") || text.contains("\"reason\":\"Customers"),
                text);
        CompiledPolicy before = compile(original);
        CompiledPolicy after = compile(canonical);
        Subject s = GRANT.withSession("abc");
        for (String tool : List.of("list_customers", "delete_customer", "create_refund", "send_email", "drop_table", "other")) {
            Decision a = call(before, s, tool);
            Decision b = call(after, s, tool);
            assertEquals(a.outcome(), b.outcome(), tool);
            // Only the rule ids move: /tools/x/action is written /tools/x/deny_if/action in the canonical form.
            assertEquals(a.message(), b.message().replace("/deny_if/action", "/action"), tool);
            assertEquals(a.limits().stream().map(LimitCharge::key).toList(), b.limits().stream().map(LimitCharge::key).toList(),
                    "same buckets after fmt: " + tool);
            assertEquals(a.limits().stream().map(LimitCharge::windowMillis).toList(),
                    b.limits().stream().map(LimitCharge::windowMillis).toList(), tool);
        }
        assertEquals("/tools/delete_customer/deny_if/action", call(after, s, "delete_customer").rule());
        assertEquals(canonical, PolicyForms.canonical(canonical), "canonical form is a fixed point");
    }

    @Test
    void canonicalNamesDoNotCollideWithTheAuthorsNames() throws Exception {
        JsonNode original = doc("{'version':'1','default':'deny','tools':{'x':{'action':'deny',"
                + "'deny_if':[{'name':'action','conditions':[{'path':'args.a','op':'eq','value':1}]}],"
                + "'rate_limit':{'max':1,'window':1},'limits':[{'name':'rate_limit','counter':'k','window':'hour','max':5,'scope':'grant'}]}}}");
        ObjectNode canonical = PolicyForms.canonical(original);
        assertEquals("action-2", canonical.at("/tools/x/deny_if/0/name").asText());
        assertEquals("rate_limit-2", canonical.at("/tools/x/limits/1/name").asText());
        compile(canonical);
    }
}
