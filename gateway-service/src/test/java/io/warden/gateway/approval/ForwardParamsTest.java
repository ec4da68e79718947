package io.warden.gateway.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** What goes upstream after Warden's approval round, and who may be sent a form. */
class ForwardParamsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode params(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
    }

    static ApprovalTicket ticket(String upstreamState, String upstreamResponses) {
        return new ApprovalTicket("g", "s", "t", "d", "apr_1", Long.MAX_VALUE, "n", upstreamState, upstreamResponses);
    }

    @Test
    void wardensStateAndAnswerNeverGoUpstream() throws Exception {
        ObjectNode out = ApprovalFlow.forwardParams(params("{'name':'t','arguments':{'a':1},'requestState':'wa1.xyz',"
                + "'inputResponses':{'gw/approval':{'action':'accept','content':{'approve':true}}}}"), ticket(null, null));
        assertEquals(params("{'name':'t','arguments':{'a':1}}"), out);
    }

    @Test
    void theUpstreamsStateAndAnswersComeBack() throws Exception {
        ObjectNode out = ApprovalFlow.forwardParams(params("{'name':'t','requestState':'wa1.xyz',"
                + "'inputResponses':{'gw/approval':{'action':'accept','content':{'approve':true}}}}"),
                ticket("upstream-state", "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}"));
        assertEquals("upstream-state", out.get("requestState").asText());
        JsonNode responses = out.get("inputResponses");
        assertFalse(responses.has("gw/approval"));
        assertTrue(responses.get("confirm").at("/content/ok").asBoolean());
    }

    @Test
    void anUpstreamStateWithoutWardensIsLeftAlone() throws Exception {
        ObjectNode in = params("{'name':'t','requestState':'upstream','inputResponses':{'confirm':{'action':'decline'}}}");
        assertEquals(in, ApprovalFlow.forwardParams(in, null));
    }

    @Test
    void formElicitationIsDeclaredByAnEmptyObjectOrForm() throws Exception {
        assertTrue(ClientElicitation.declaresForm(params("{'elicitation':{}}")));
        assertTrue(ClientElicitation.declaresForm(params("{'elicitation':{'form':{}}}")));
        assertTrue(ClientElicitation.declaresForm(params("{'elicitation':{'form':{},'url':{}}}")));
        assertFalse(ClientElicitation.declaresForm(params("{'elicitation':{'url':{}}}")), "url only: no form");
        assertFalse(ClientElicitation.declaresForm(params("{'sampling':{}}")));
        assertFalse(ClientElicitation.declaresForm(params("{'elicitation':true}")));
        assertFalse(ClientElicitation.declaresForm(null));
    }

    @Test
    void theSessionKeepsTheLegacyClientsCapability() throws Exception {
        String marked = ClientElicitation.markVersion("2025-11-25", params("{'capabilities':{'elicitation':{}}}"));
        assertTrue(ClientElicitation.marked(marked));
        assertEquals("2025-11-25", ClientElicitation.plain(marked));
        String plain = ClientElicitation.markVersion("2025-11-25", params("{'capabilities':{}}"));
        assertFalse(ClientElicitation.marked(plain));
        assertEquals("2025-11-25", ClientElicitation.plain(plain));
    }

    @Test
    void onlyAnExplicitYesApproves() throws Exception {
        assertTrue(ApprovalTexts.accepted(params("{'action':'accept','content':{'approve':true}}")));
        assertFalse(ApprovalTexts.accepted(params("{'action':'accept','content':{'approve':false}}")));
        assertFalse(ApprovalTexts.accepted(params("{'action':'accept','content':{'approve':'true'}}")));
        assertFalse(ApprovalTexts.accepted(params("{'action':'decline'}")));
        assertFalse(ApprovalTexts.accepted(params("{'action':'cancel','content':{'approve':true}}")));
        assertFalse(ApprovalTexts.accepted(null));
    }
}
