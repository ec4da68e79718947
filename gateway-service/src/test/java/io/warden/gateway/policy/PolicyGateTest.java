package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.policy.Outcome;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.StandaloneConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate judges every message that could run something, and refuses what it cannot judge before the policy. */
class PolicyGateTest {

    private static final String ALLOW_ALL = GrantTokens.hash("wdn_allow");
    private static final String NONE = GrantTokens.hash("wdn_none");

    @TempDir
    Path dir;

    private GatewaySnapshot snapshot;
    private final PolicyGate gate = new PolicyGate(new ToolCatalog(), Clock.systemUTC());

    @BeforeEach
    void load() throws IOException {
        Path config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                servers:
                  - {id: s1, url: "http://127.0.0.1:1/mcp"}
                grants:
                  - {id: g1, server: s1, token_hash: "%s", policy: open}
                  - {id: g2, server: s1, token_hash: "%s"}
                policies:
                  open: {version: "1", default: allow, hide: [delete_account]}
                """.formatted(ALLOW_ALL, NONE));
        snapshot = assertInstanceOf(StandaloneConfigParser.Parsed.class, new StandaloneConfigParser(Map.<String, String>of()::get)
                .parse(config)).snapshot();
    }

    private PolicyGate.Verdict judge(String grantHash, String json) {
        JsonRpc.Message m = assertInstanceOf(JsonRpc.Ok.class, JsonRpc.parse(json.getBytes(StandardCharsets.UTF_8))).message();
        return gate.judge(m, snapshot.grantByTokenHash(grantHash).orElseThrow(), snapshot.server("s1").orElseThrow(), snapshot);
    }

    @Test
    void aToolsCallNotificationIsADenialNotAPassThrough() {
        PolicyGate.Verdict v = judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"k\":1}}}");
        assertNotNull(v, "a notification of a request method is judged, not forwarded as it is");
        assertFalse(v.allowed());
        assertEquals(Outcome.DENY, v.decision().outcome());
        assertEquals(RequestShape.NOTIFICATION_RULE, v.decision().rule());
        assertEquals(RequestShape.Kind.NOTIFICATION, v.refusal().kind());
        assertEquals("echo", v.tool());
        assertEquals("open", v.policy().id());
        assertTrue(v.arguments().has("k"));
    }

    @Test
    void aNameThatIsNotAStringIsRefusedEvenWithAnAllowAllPolicyOrNone() {
        for (String grant : new String[] {ALLOW_ALL, NONE}) {
            PolicyGate.Verdict v = judge(grant, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":[\"delete_account\"]}}");
            assertFalse(v.allowed());
            assertEquals(RequestShape.MALFORMED_RULE, v.decision().rule());
            assertEquals(JsonRpc.INVALID_PARAMS, v.refusal().code());
            assertNull(v.tool());
        }
    }

    @Test
    void wellFormedMessagesAreJudgedAsBefore() {
        assertTrue(judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}").allowed());
        PolicyGate.Verdict hidden = judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\"}}");
        assertEquals(Outcome.HIDDEN, hidden.decision().outcome());
        assertNull(hidden.refusal());
        assertNull(judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
        assertNull(judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"result\":{}}"));
        assertNull(judge(ALLOW_ALL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"));
    }
}
