package io.warden.policy.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.policy.CallContext;
import io.warden.policy.CompileResult;
import io.warden.policy.Decision;
import io.warden.policy.Outcome;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.RiskCategory;
import io.warden.policy.Subject;
import io.warden.policy.ToolInfo;
import io.warden.policy.inventory.ToolAssessment.Risk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InventoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Tools as an upstream lists them. */
    private static final String TOOLS = """
        [ {'name':'echo','description':'Returns its message','annotations':{'readOnlyHint':true},
           'inputSchema':{'type':'object','properties':{'message':{'type':'string'}}}},
          {'name':'fetch_page','description':'Fetches a web page','annotations':{'readOnlyHint':true,'openWorldHint':true}},
          {'name':'delete_account','annotations':{'destructiveHint':true}},
          {'name':'run_query','description':'Runs SQL against the warehouse'},
          {'name':'send_money','description':'Sends money to a contact',
           'inputSchema':{'type':'object','properties':{'to':{'type':'string'},'amount':{'type':'number'},'currency':{'type':'string'}}}},
          {'name':'update_profile','description':'Changes a profile field'},
          {'name':'list_files','description':'Lists files; never deletes anything'} ]""";

    private static List<ToolAssessment> assessed() {
        List<ToolAssessment> out = new ArrayList<>();
        json(TOOLS).forEach(t -> out.add(ToolAssessment.of(t, null)));
        return out;
    }

    private static ToolAssessment find(String name) {
        return assessed().stream().filter(t -> t.tool().name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void eachToolGetsACategoryARiskAndWhy() {
        assertAssessed("echo", RiskCategory.READ, Risk.LOW, "readOnlyHint");
        assertAssessed("fetch_page", RiskCategory.READ, Risk.MEDIUM, "openWorldHint");
        assertAssessed("delete_account", RiskCategory.DESTRUCTIVE, Risk.HIGH, "destructiveHint");
        assertAssessed("run_query", RiskCategory.EXECUTE, Risk.HIGH, "\"run\"");
        assertAssessed("send_money", RiskCategory.FINANCIAL, Risk.HIGH, "argument \"amount\"");
        assertAssessed("update_profile", RiskCategory.WRITE, Risk.MEDIUM, "write by default");
        // Pessimistic: a description that merely mentions deleting makes the tool destructive.
        assertAssessed("list_files", RiskCategory.DESTRUCTIVE, Risk.HIGH, "description mentions \"delete\"");
    }

    private static void assertAssessed(String name, RiskCategory category, Risk risk, String evidence) {
        ToolAssessment t = find(name);
        assertEquals(category, t.category(), name + ": " + t.reasons());
        assertEquals(risk, t.risk(), name + ": " + t.reasons());
        assertTrue(String.join(" ", t.reasons()).contains(evidence), name + ": " + t.reasons());
    }

    @Test
    void anOperatorPinWinsAndSaysSo() {
        ToolAssessment t = ToolAssessment.of(json("{'name':'delete_account','annotations':{'destructiveHint':true}}"), "read");
        assertEquals(RiskCategory.READ, t.category());
        assertTrue(t.reasons().get(0).contains("pinned"), t.reasons().toString());
    }

    /** The inventory shows the category policies match: explain and classify never disagree. */
    @Test
    void explanationAndClassificationAlwaysAgree() {
        Random r = new Random(20261203);
        String[] words = {"get", "list", "delete", "run", "pay", "payment", "Refund", "amount", "currency", "exec", "x",
            "purgeAll", "shell", "read", "price", "card", "cardinal", "", "sql", "ÿ", "deploy", "total"};
        for (int i = 0; i < 20_000; i++) {
            String name = words[r.nextInt(words.length)] + (r.nextBoolean() ? "_" : "") + words[r.nextInt(words.length)];
            String description = r.nextInt(3) == 0 ? null : words[r.nextInt(words.length)] + " " + words[r.nextInt(words.length)];
            ObjectNode annotations = r.nextInt(3) == 0 ? null : JSON.createObjectNode();
            if (annotations != null && r.nextBoolean()) {
                annotations.put(r.nextBoolean() ? "readOnlyHint" : "destructiveHint", r.nextBoolean());
            }
            List<String> args = List.of(words[r.nextInt(words.length)], words[r.nextInt(words.length)]);
            String pinned = r.nextInt(10) == 0 ? RiskCategory.values()[r.nextInt(5)].jsonName() : null;
            ToolInfo tool = new ToolInfo(name, description, annotations, pinned, r.nextBoolean() ? args : List.of());
            assertEquals(RiskCategory.classify(tool), RiskCategory.explain(tool).category(), tool.toString());
        }
    }

    @Test
    void theRecommendedPolicyCompilesAndDoesWhatItSays() {
        ObjectNode doc = PolicyRecommender.forServer(assessed());
        CompileResult compiled = PolicyCompiler.compile(doc);
        assertTrue(compiled.ok(), compiled.problems() + " in " + doc);
        assertEquals(Outcome.ALLOW, call(compiled, "echo").outcome());
        assertEquals(Outcome.DENY, call(compiled, "update_profile").outcome(), "writes are denied by default");
        assertEquals(Outcome.DENY, call(compiled, "never_listed").outcome());
        Decision query = call(compiled, "run_query");
        assertEquals(Outcome.ALLOW, query.outcome());
        assertEquals(1, query.limits().size(), "the execute tool is rate-limited");
        assertEquals(PolicyRecommender.EXECUTE_CALLS_PER_MINUTE, doc.at("/tools/run_query/limits/0/max").asInt());
        assertEquals("minute", doc.at("/tools/run_query/limits/0/window").asText());
        assertEquals(Outcome.APPROVAL_REQUIRED, call(compiled, "delete_account").outcome());
        assertEquals(Outcome.APPROVAL_REQUIRED, call(compiled, "send_money").outcome());
    }

    @Test
    void aToolWhoseNameIsAGlobGetsNoRule() {
        ToolAssessment star = ToolAssessment.of(json("{'name':'read_*','annotations':{'readOnlyHint':true}}"), null);
        assertEquals("deny", PolicyRecommender.forTool(star).action());
        assertNull(PolicyRecommender.forServer(List.of(star)).path("tools").get("read_*"));
    }

    private static Decision call(CompileResult compiled, String tool) {
        ToolInfo info = assessed().stream().map(ToolAssessment::tool).filter(t -> t.name().equals(tool)).findFirst().orElse(null);
        return compiled.policy().evaluateCall(new CallContext(Subject.of("g", "s"), tool, JSON.createObjectNode(), info,
                Instant.EPOCH));
    }
}
