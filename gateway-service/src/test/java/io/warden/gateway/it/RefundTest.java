package io.warden.gateway.it;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.warden.testsupport.mcp.NodeMcpServer.Fault;
import io.warden.testsupport.mcp.RawMcpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rate-limit tokens come back only when the call provably never reached the tool (docs/rate-limiting.md, "Refunds"),
 * end to end through the gateway against the real Node fixture. Each situation has its own grant with a limit of one
 * call per hour: after the first call, a second one is admitted only if the first was refunded.
 */
@QuarkusTest
@QuarkusTestResource(value = RefundTestBed.class, restrictToAnnotatedClass = true)
class RefundTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LIMITED = "Rate limit \"calls\" reached";

    @BeforeEach
    void resetFixture() {
        RefundTestBed.fixture.reset();
    }

    private static Response modernCall(String grant, int id, String tool, String args) {
        return Mcp.modernHeaders(Mcp.client(RefundTestBed.TOKENS.get(grant)), "tools/call", tool)
                .body(Mcp.modernCall(id, tool, args)).post("/mcp/" + RefundTestBed.serverOf(grant));
    }

    /** The answer to the request in a JSON body or in the data of an SSE stream. */
    private static JsonPath answer(Response r) {
        String body = r.then().extract().asString();
        if (body.startsWith("{")) {
            return JsonPath.from(body);
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("data:") && (line.contains("\"result\"") || line.contains("\"error\""))) {
                return JsonPath.from(line.substring(5));
            }
        }
        throw new AssertionError("no answer in " + body);
    }

    /** The second call: admitted (it reaches the fixture's echo) or denied by the limit. */
    private static boolean secondCallAdmitted(String grant) {
        String text = answer(modernCall(grant, 2, "echo", "{\"message\":\"second\"}").then().statusCode(200)
                .extract().response()).getString("result.content[0].text");
        if ("second".equals(text)) {
            return true;
        }
        assertTrue(text.contains(LIMITED), text);
        return false;
    }

    /** The decisions recorded so far for {@code grant}, oldest first. */
    private static List<JsonNode> decisions(String grant) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        if (Files.exists(RefundTestBed.decisions)) {
            for (String line : Files.readAllLines(RefundTestBed.decisions)) {
                JsonNode e = JSON.readTree(line);
                if (e.path("grant_id").asText().equals(grant)) {
                    found.add(e);
                }
            }
        }
        return found;
    }

    /** The last decision recorded for {@code grant} with outcome {@code outcome}, once the log has it. */
    private static JsonNode decision(String grant, String outcome) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> find(grant, outcome), Optional::isPresent).get();
    }

    private static Optional<JsonNode> find(String grant, String outcome) throws IOException {
        List<JsonNode> all = decisions(grant);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).path("outcome").asText().equals(outcome)) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** The first completion recorded for {@code grant} (how its first allowed call ended), once the log has one. */
    private static JsonNode firstCompletion(String grant) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> decisions(grant).stream()
                .filter(e -> e.path("kind").asText().equals("completion")).findFirst(), Optional::isPresent).get();
    }

    // ---- the attack: close before the answer -----------------------------------------------------

    @Test
    void closingTheConnectionBeforeTheAnswerGivesNoTokensBack() throws Exception {
        List<String> answers = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            int before = RefundTestBed.fixture.callCount("sleep");
            try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
                s.setSoTimeout(10_000);
                send(s.getOutputStream(), RefundTestBed.TOKENS.get(RefundTestBed.DISCONNECT), i);
                InputStream in = s.getInputStream();
                // Close as soon as the tool runs upstream, or read the gateway's own answer if it gives one at once.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> RefundTestBed.fixture.callCount("sleep") > before || in.available() > 0);
                if (RefundTestBed.fixture.callCount("sleep") == before) {
                    answers.add(readAnswer(in).replace("\\\"", "\""));
                }
            }
        }
        // The upstream ran the first two; the other four were refused by the limit, whatever the closes did.
        assertEquals(2, RefundTestBed.fixture.callCount("sleep"), "calls that reached the upstream");
        assertEquals(4, answers.size());
        answers.forEach(a -> assertTrue(a.contains(LIMITED), a));
        JsonNode closed = decision(RefundTestBed.DISCONNECT, "upstream_error");
        assertEquals("upstream_reset", closed.get("message").asText());
        assertTrue(closed.get("refund").isNull(), closed.toString());
        assertTrue(!closed.get("flags").toString().contains("limit_refunded"), closed.toString());
    }

    /** One HTTP/1.1 answer with a Content-Length: status line and headers, then exactly the body. */
    private static String readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed in the headers: " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertTrue(m.find(), head.toString());
        return head + new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8);
    }

    /** A 2026-07-28 tools/call of the fixture's sleep tool (1 s) over a raw socket. */
    private static void send(OutputStream out, String token, int id) throws IOException {
        String body = Mcp.modernCall(id, "sleep", "{\"ms\":1000}");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /mcp/fixture HTTP/1.1\r\nHost: localhost:" + RestAssured.port + "\r\n"
                + "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: " + Mcp.MODERN + "\r\n"
                + "Mcp-Method: tools/call\r\nMcp-Name: sleep\r\nContent-Length: " + bytes.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    // ---- the tool may have run: the tokens stay taken ----------------------------------------------

    /** The upstream may have run the call: the first call fails as {@code expectedStatus}, the second is refused. */
    @ParameterizedTest(name = "{1} keeps the tokens")
    @CsvSource({
            "timeout,   HANG,         0,   504", // no headers within upstream-response-timeout
            "status500, HTTP_ERROR,   500, 502",
            "cutjson,   CUT_JSON,     0,   502", // a JSON body cut after its first bytes
            "garbage,   GARBAGE_JSON, 0,   502", // an answer that is not JSON
            "huge,      HUGE_JSON,    0,   502", // an answer larger than max-upstream-body-bytes
    })
    void upstreamFailuresAfterTheCallWasSentKeepTheTokens(String grant, Fault fault, int status, int expectedStatus) {
        RefundTestBed.fixture.fault(fault, 1, status);
        modernCall(grant, 1, "echo", "{\"message\":\"first\"}").then().statusCode(expectedStatus);
        assertEquals(false, secondCallAdmitted(grant), "the first call's tokens stay taken");
        assertEquals(0, RefundTestBed.fixture.callCount("echo"), "the second call never reached the upstream");
        JsonNode first = decision(grant, "upstream_error");
        assertTrue(first.get("refund").isNull(), first.toString());
    }

    @Test
    void streamCutBeforeTheAnswerKeepsTheTokens() {
        RefundTestBed.fixture.fault(Fault.CLOSE_MID_STREAM, 1);
        String stream = modernCall("cutsse", 1, "echo", "{\"message\":\"first\"}").then().statusCode(200).extract().asString();
        assertTrue(stream.contains("about to vanish"), stream);
        assertEquals(false, secondCallAdmitted("cutsse"));
        assertEquals(0, RefundTestBed.fixture.callCount("echo"));
    }

    @Test
    void oversizedAnswerOfAToolThatRanKeepsTheTokens() {
        String big = "x".repeat(RefundTestBed.MAX_UPSTREAM_BODY + 100);
        modernCall("huge-ran", 1, "echo", "{\"message\":\"" + big + "\"}").then().statusCode(502)
                .body("error.message", containsString("larger than " + RefundTestBed.MAX_UPSTREAM_BODY));
        assertEquals(1, RefundTestBed.fixture.callCount("echo"), "the tool ran: only its answer was too large");
        assertEquals(false, secondCallAdmitted("huge-ran"));
        assertEquals(1, RefundTestBed.fixture.callCount("echo"));
    }

    @Test
    void toolResultWithIsErrorKeepsTheTokens() {
        JsonPath first = answer(modernCall("is-error", 1, "test_error_handling", "{}").then().statusCode(200)
                .extract().response());
        assertEquals(true, first.getBoolean("result.isError"));
        assertEquals(false, secondCallAdmitted("is-error"));
    }

    // ---- provably not run: the tokens come back -----------------------------------------------------

    @Test
    void refusedConnectionGivesTheTokensBack() {
        for (int i = 0; i < 2; i++) {
            modernCall("refused", i, "echo", "{}").then().statusCode(502).body("error.message", containsString("unreachable"));
        }
        JsonNode d = decision("refused", "upstream_error");
        assertEquals("connect_failed", d.get("refund").get("reason").asText(), d.toString());
        assertTrue(d.get("refund").get("code").isNull());
        assertTrue(d.get("flags").toString().contains("limit_refunded"));
    }

    @Test
    void decisionsCarryTheArgumentDigestUnderTheConfiguredKey() throws Exception {
        modernCall("digest", 7, "echo", "{\"message\":\"yes\",\"account\":42}").then().statusCode(200);
        JsonNode d = await().atMost(Duration.ofSeconds(10)).until(() -> find("digest", "allowed")
                .filter(e -> e.get("argument_keys").size() == 2),
                Optional::isPresent).get();
        io.warden.gateway.audit.ArgumentDigest expected =
                io.warden.gateway.audit.ArgumentDigest.withBase64Key(RefundTestBed.DIGEST_KEY);

        assertEquals(expected.of(JSON.readTree("{\"account\":42.0,\"message\":\"yes\"}")), d.get("argument_digest").asText());
        assertEquals(expected.keyId(), d.get("argument_digest_key").asText());
    }

    @Test
    void invalidParamsAnswerGivesTheTokensBack() {
        JsonPath first = answer(modernCall("unknown-tool", 1, "no_such_tool", "{}"));
        assertEquals(-32602, first.getInt("error.code"));
        JsonNode d = decision("unknown-tool", "allowed");
        assertEquals("jsonrpc_error", d.get("refund").get("reason").asText(), d.toString());
        assertEquals(-32602, d.get("refund").get("code").asInt());
        assertTrue(secondCallAdmitted("unknown-tool"), "the -32602 proved the tool never ran");
        assertEquals(1, RefundTestBed.fixture.callCount("echo"));
    }

    @Test
    void requestRefusedWith400GivesTheTokensBack() {
        RefundTestBed.fixture.fault(Fault.HTTP_ERROR, 1, 400);
        modernCall("status400", 1, "echo", "{\"message\":\"first\"}").then().statusCode(400);
        assertTrue(secondCallAdmitted("status400"), "a 400 before any answer proves the tool never ran");
        JsonNode d = firstCompletion("status400");
        assertEquals("http_status", d.get("refund").get("reason").asText(), d.toString());
        assertEquals(400, d.get("refund").get("code").asInt());
    }

    // ---- the same rule for a 2025-era session -------------------------------------------------------

    private static String legacySession(String grant) {
        return Mcp.client(RefundTestBed.TOKENS.get(grant)).body(Mcp.initialize(1)).post("/mcp/fixture")
                .then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    private static Response legacyCall(String grant, String session, int id, String tool, String args) {
        return Mcp.client(RefundTestBed.TOKENS.get(grant)).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25").body(Mcp.legacyCall(id, tool, args)).post("/mcp/fixture");
    }

    private static String text(Response r) {
        return answer(r.then().statusCode(200).extract().response()).getString("result.content[0].text");
    }

    @Test
    void legacySessionUnknownToolRefundsAndTimeoutDoesNot() {
        String session = legacySession("legacy-unknown-tool");
        String unknown = legacyCall("legacy-unknown-tool", session, 2, "no_such_tool", "{}").then().extract().asString();
        assertTrue(unknown.contains("-32602"), unknown);
        assertEquals("again", text(legacyCall("legacy-unknown-tool", session, 3, "echo", "{\"message\":\"again\"}")));

        String other = legacySession("legacy-timeout");
        RefundTestBed.fixture.fault(Fault.HANG, 1);
        legacyCall("legacy-timeout", other, 2, "echo", "{\"message\":\"first\"}").then().statusCode(504);
        assertTrue(text(legacyCall("legacy-timeout", other, 3, "echo", "{\"message\":\"again\"}")).contains(LIMITED));
    }

    // ---- the same rule across the era bridges and the HTTP+SSE bridge --------------------------------

    private static RawMcpClient raw(String grant) {
        return new RawMcpClient("http://localhost:" + RestAssured.port + "/mcp/" + RefundTestBed.serverOf(grant))
                .header("Authorization", "Bearer " + RefundTestBed.TOKENS.get(grant));
    }

    private static String text(RawMcpClient.Exchange ex) {
        return ex.response().path("result").path("content").path(0).path("text").asText();
    }

    /** A legacy client (initialized) calls a tool the upstream lacks, then echo: admitted only after a refund. */
    private static void legacyUnknownToolThenEcho(String grant) {
        RawMcpClient c = raw(grant);
        assertEquals(200, c.initialize("2025-11-25").status());
        RawMcpClient.Exchange unknown = c.callTool("no_such_tool", Map.of());
        assertEquals(-32602, unknown.response().path("error").path("code").asInt(), unknown.body());
        RawMcpClient.Exchange echo = c.callTool("echo", Map.of("message", "after the refund"));
        assertEquals("after the refund", text(echo), echo.body());
    }

    /** A legacy client whose call outlives the upstream response timeout: the tokens stay taken. */
    private static void legacyTimeoutThenDenied(String grant) {
        RawMcpClient c = raw(grant);
        assertEquals(200, c.initialize("2025-11-25").status());
        RawMcpClient.Exchange slow = c.callTool("sleep", Map.of("ms", 3000));
        assertTrue(slow.status() == 504 || slow.body().contains("did not answer"), slow.status() + " " + slow.body());
        RawMcpClient.Exchange echo = c.callTool("echo", Map.of("message", "again"));
        assertTrue(text(echo).contains(LIMITED), echo.body());
    }

    @Test
    void legacyClientToModernOnlyUpstream() {
        legacyUnknownToolThenEcho("lm-unknown");
        legacyTimeoutThenDenied("lm-timeout");
    }

    @Test
    void legacyClientToHttpSseOnlyUpstream() {
        legacyUnknownToolThenEcho("ls-unknown");
        legacyTimeoutThenDenied("ls-timeout");
    }

    @Test
    void modernClientToLegacyOnlyUpstream() {
        RawMcpClient c = raw("ml-unknown");
        RawMcpClient.Exchange unknown = c.modernRequest("tools/call", JSON.createObjectNode().put("name", "no_such_tool"));
        assertEquals(-32602, unknown.response().path("error").path("code").asInt(), unknown.body());
        RawMcpClient.Exchange echo = c.modernRequest("tools/call", (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.createObjectNode().put("name", "echo").set("arguments", JSON.createObjectNode().put("message", "x")));
        assertEquals("x", text(echo), echo.body());

        // The legacy upstream streams its answers (headers at once), so the call is made to hang instead: after a
        // tools/list has opened the bridged session, the next request the upstream receives is the call.
        RawMcpClient t = raw("ml-timeout");
        assertEquals(200, t.modernRequest("tools/list", null).status());
        GatewayTestBed.legacyOnly.fault(Fault.HANG, 1);
        try {
            RawMcpClient.Exchange slow = t.modernRequest("tools/call", (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.createObjectNode().put("name", "echo").set("arguments", JSON.createObjectNode().put("message", "x")));
            assertEquals(504, slow.status(), slow.body());
        } finally {
            GatewayTestBed.legacyOnly.clearFault();
        }
        RawMcpClient.Exchange again = t.modernRequest("tools/call", (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.createObjectNode().put("name", "echo").set("arguments", JSON.createObjectNode().put("message", "x")));
        assertTrue(text(again).contains(LIMITED), again.body());
    }
}
