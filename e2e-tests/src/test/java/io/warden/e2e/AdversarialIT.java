package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.NodeMcpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way around the gateway that issue 8 names, tried as an attacker would against the packaged gateway, on every
 * transport and era it serves, with recording upstreams (the Node fixture logs every JSON-RPC method it receives) that
 * show what really arrived. {@code docs/security.md} has the table of what is tried here and what the gateway does;
 * each attempt also prints one {@code [adversarial]} line.
 *
 * <p>Routes: a 2025-11-25 client and a 2026-07-28 client in front of a dual-era upstream (relayed as they are), a
 * 2024-11-05 HTTP+SSE client (bridged to Streamable HTTP), a 2025-era client in front of a modern-only upstream and a
 * modern client in front of a legacy-only upstream (the era bridges).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdversarialIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String LEGACY = "2025-11-25";
    private static final String MODERN = "2026-07-28";
    /** Planted where a careless gateway would log or store it. */
    private static final String QUERY_SECRET = "qs-" + Long.toHexString(System.nanoTime()) + "-never-logged";
    private static final String USERINFO_SECRET = "ui-" + Long.toHexString(System.nanoTime()) + "-never-logged";
    private static final String HEADER_SECRET = "hs-" + Long.toHexString(System.nanoTime()) + "-never-logged";
    private static final String ARGUMENT_SECRET = "arg-" + Long.toHexString(System.nanoTime()) + "-never-stored";

    /** One way a client reaches an upstream through the gateway. */
    enum Route {
        LEGACY_RELAYED("dual", false, false),
        MODERN_RELAYED("dual", true, false),
        HTTP_SSE_BRIDGED("dual", false, true),
        LEGACY_TO_MODERN_ONLY("modern", false, false),
        MODERN_TO_LEGACY_ONLY("legacy", true, false);

        final String server;
        final boolean modern;
        final boolean sse;

        Route(String server, boolean modern, boolean sse) {
            this.server = server;
            this.modern = modern;
            this.sse = sse;
        }

        String grant() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Map<Route, String> tokens = new EnumMap<>(Route.class);
    private final Map<String, NodeMcpServer> upstreams = new LinkedHashMap<>();
    private final Map<Route, Client> clients = new EnumMap<>(Route.class);
    private GatewayProcess gateway;

    @BeforeAll
    void start() throws IOException {
        Path work = Path.of("target", "adversarial").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        upstreams.put("dual", NodeMcpServer.fixture());
        upstreams.put("modern", NodeMcpServer.fixture(NodeMcpServer.Eras.MODERN));
        upstreams.put("legacy", NodeMcpServer.fixture(NodeMcpServer.Eras.LEGACY));
        StringBuilder grants = new StringBuilder();
        for (Route r : Route.values()) {
            tokens.put(r, GrantTokens.mint());
            grants.append("  - {id: %s, server: %s, token_hash: \"%s\", policy: attacker}\n"
                    .formatted(r.grant(), r.server, GrantTokens.hash(tokens.get(r))));
        }
        Path config = work.resolve("warden.yaml");
        String dualUrl = upstreams.get("dual").url() + "?api_key=" + QUERY_SECRET;
        String unusedUrl = "http://warden:" + USERINFO_SECRET + "@127.0.0.1:9/mcp?api_key=" + QUERY_SECRET;
        Files.writeString(config, """
                servers:
                  - {id: dual, url: "%s", headers: {X-Api-Key: "%s"}}
                  - {id: modern, url: "%s", era: modern}
                  - {id: legacy, url: "%s", era: legacy}
                  - {id: unused, url: "%s", era: legacy}
                grants:
                %spolicies:
                  attacker:
                    version: "1"
                    default: deny
                    hide: [add]
                    tools:
                      echo: {}
                      sleep:
                        limits: [{counter: sleeps, window: hour, max: 2, scope: grant}]
                """.formatted(dualUrl, HEADER_SECRET, upstreams.get("modern").url(), upstreams.get("legacy").url(), unusedUrl,
                        grants));
        gateway = GatewayProcess.start("adversarial", config, SessionKeys.generate(), work);
        for (Route r : Route.values()) {
            clients.put(r, new Client(r));
        }
    }

    @AfterAll
    void stop() {
        clients.values().forEach(Client::close);
        List<AutoCloseable> all = new ArrayList<>(upstreams.values());
        all.add(0, gateway);
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    // ---- the attempts -----------------------------------------------------------------------------------------------

    /** A denied tool sent as a notification (no id): today's main forwarded it without policy, limit or audit. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void toolsCallAsANotificationIsRefusedAndNeverForwarded(Route route) {
        Answer a = attempt(route, "tools/call notification (denied tool)", "delete_account",
                "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{%META%\"name\":\"delete_account\",\"arguments\":{}}}");
        assertEquals(400, a.status(), a.toString());
        assertErrorCode(a, -32600);
    }

    /** {@code params.name} of the wrong type: an upstream that coerces it would run the tool. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void toolNameOfTheWrongTypeIsInvalidParams(Route route) {
        for (String name : List.of("[\"delete_account\"]", "{\"0\":\"delete_account\"}", "7", "null", "true")) {
            Answer a = attempt(route, "params.name = " + name, "delete_account",
                    "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":" + name
                            + ",\"arguments\":{}}}");
            assertInvalidParams(route, a);
        }
        Answer missing = attempt(route, "params.name missing", null,
                "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"arguments\":{}}}");
        assertInvalidParams(route, missing);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void argumentsThatAreNotAnObjectAreInvalidParams(Route route) {
        for (String args : List.of("\"rm -rf\"", "[1,2]", "42")) {
            Answer a = attempt(route, "params.arguments = " + args, "echo",
                    "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"echo\",\"arguments\":"
                            + args + "}}");
            assertErrorCode(a, -32602);
        }
    }

    /** Two {@code name} keys: the policy must not judge one while the upstream runs the other. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void duplicateKeysAreRefusedBeforeAnythingIsJudged(Route route) {
        Answer names = attempt(route, "duplicate params.name (denied first, allowed last)", "echo",
                "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"delete_account\","
                        + "\"name\":\"echo\",\"arguments\":{\"message\":\"x\"}}}");
        assertEquals(400, names.status(), names.toString());
        assertErrorCode(names, -32700, -32600);
        Answer methods = attempt(route, "duplicate method (tools/call first, ping last)", "delete_account",
                "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"delete_account\","
                        + "\"arguments\":{}},\"method\":\"ping\"}");
        assertEquals(400, methods.status(), methods.toString());
        assertErrorCode(methods, -32700, -32600);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void trailingContentIsRefused(Route route) {
        Answer a = attempt(route, "a second message after the first", "echo",
                "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"echo\","
                        + "\"arguments\":{\"message\":\"x\"}}} {\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/call\","
                        + "\"params\":{\"name\":\"delete_account\"}}");
        assertEquals(400, a.status(), a.toString());
        assertErrorCode(a, -32700, -32600);
    }

    /** A hidden tool is neither listed nor callable, whichever way the client comes in. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void hiddenToolIsNeitherListedNorCalled(Route route) {
        Client c = clients.get(route);
        Answer list = c.send("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/list\",\"params\":{%META_ONLY%}}", null);
        JsonNode tools = list.message().path("result").path("tools");
        assertTrue(tools.isArray() && !tools.isEmpty(), list.toString());
        tools.forEach(t -> assertFalse("add".equals(t.path("name").asText()), "hidden tool listed: " + list));
        Answer call = attempt(route, "tools/call of a hidden tool", "add",
                "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"add\","
                        + "\"arguments\":{\"a\":1,\"b\":2}}}");
        assertErrorCode(call, -32602);
        assertTrue(call.message().path("error").path("message").asText().contains("Unknown tool"), call.toString());
    }

    /**
     * Rate limits never give tokens back for a call that reached the tool: a client that hangs up before the answer
     * must not get its tokens refunded (limit 2 per hour: exactly 2 calls may arrive, whatever the client does).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Route.class, names = {"LEGACY_RELAYED", "MODERN_RELAYED", "LEGACY_TO_MODERN_ONLY", "MODERN_TO_LEGACY_ONLY"})
    void hangingUpBeforeTheAnswerGivesNoTokensBack(Route route) throws IOException {
        NodeMcpServer upstream = upstreams.get(route.server);
        int before = upstream.callCount("sleep");
        Client c = clients.get(route);
        for (int i = 0; i < 6; i++) {
            int arrived = upstream.callCount("sleep");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
                s.getOutputStream().write(c.rawRequest("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\","
                        + "\"params\":{%META%\"name\":\"sleep\",\"arguments\":{\"ms\":3000}}}", "sleep"));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                // Hang up as soon as the call reached the tool, or once the gateway answered by itself (rate limited).
                Awaitility.await().atMost(WAIT).until(() -> upstream.callCount("sleep") > arrived || in.available() > 0);
            }
        }
        // A seventh call, answered in full: refused by the limit (tokens were never given back).
        Answer seventh = c.send("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"sleep\","
                + "\"arguments\":{\"ms\":0}}}", "sleep");
        int arrived = upstream.callCount("sleep") - before;
        report(route, "6 calls hung up before the answer, limit 2/hour", arrived + " reached the tool; 7th: " + seventh.brief());
        assertEquals(2, arrived, "calls that reached the tool");
        assertTrue(seventh.message().path("result").path("isError").asBoolean(false)
                || seventh.message().has("error"), "the 7th call is refused by the limit: " + seventh);
    }

    /** Secrets of the upstream's URL and headers, and argument values, never appear in the gateway's logs or audit. */
    @Test
    void secretsNeverReachTheLogsOrTheDecisionRecord() {
        Client c = clients.get(Route.LEGACY_RELAYED);
        Answer call = c.send("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"echo\","
                + "\"arguments\":{\"message\":\"" + ARGUMENT_SECRET + "\"}}}", "echo");
        assertEquals(200, call.status(), call.toString());
        assertEquals(HEADER_SECRET, upstreams.get("dual").lastHeaders().get("x-api-key"), "the configured header travels upstream");
        Awaitility.await().atMost(WAIT).until(() -> gateway.decisions().stream().anyMatch(l -> l.contains("\"echo\"")));
        String log = gateway.logTail(Integer.MAX_VALUE);
        String decisions = String.join("\n", gateway.decisions());
        for (String secret : List.of(QUERY_SECRET, USERINFO_SECRET, HEADER_SECRET, ARGUMENT_SECRET)) {
            assertFalse(log.contains(secret), "the gateway log contains a planted secret: " + secret);
            assertFalse(decisions.contains(secret), "the decision log contains a planted secret: " + secret);
        }
        report(Route.LEGACY_RELAYED, "secrets planted in URL query, user info, header, argument", "none in log or audit");
    }

    /**
     * The argument digest in a decision event is keyed: a low-entropy value ("yes") cannot be found by hashing guesses
     * the way an unkeyed SHA-256 of the canonical arguments could.
     */
    @Test
    void argumentDigestsCannotBeRecoveredByHashingGuesses() throws Exception {
        Client c = clients.get(Route.LEGACY_RELAYED);
        Answer call = c.send("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"tools/call\",\"params\":{%META%\"name\":\"echo\","
                + "\"arguments\":{\"message\":\"yes\"}}}", "echo");
        assertEquals(200, call.status(), call.toString());
        String guess = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("{\"message\":\"yes\"}".getBytes(StandardCharsets.UTF_8)));
        Awaitility.await().atMost(WAIT).until(() -> gateway.decisions().size() > 0);
        Awaitility.await().atMost(WAIT).until(() -> gateway.decisions().stream().anyMatch(l -> l.contains("message")));
        assertFalse(String.join("\n", gateway.decisions()).contains(guess), "an unkeyed digest of {\"message\":\"yes\"}");
        report(Route.LEGACY_RELAYED, "hash the guess {\"message\":\"yes\"} and look it up", "no match: digests are keyed");
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------------

    /**
     * Sends one hostile message on {@code route} and checks that the upstream received no {@code tools/call} from it.
     *
     * @param mcpName what a modern client puts in its {@code Mcp-Name} header (the value the policy would judge)
     */
    private Answer attempt(Route route, String what, String mcpName, String template) {
        NodeMcpServer upstream = upstreams.get(route.server);
        long before = upstream.requestCount("tools/call");
        Answer a = clients.get(route).send(template, mcpName);
        // A forwarded message would have reached the upstream before its answer came back; an SSE-bridged one is
        // answered on the stream, which send() already waited for.
        assertEquals(before, upstream.requestCount("tools/call"), route + " " + what + ": forwarded upstream (" + a + ")");
        report(route, what, a.brief());
        return a;
    }

    /**
     * -32602; a modern request may also be refused one step earlier, because its {@code Mcp-Name} header cannot agree
     * with a name that is not a string (-32020).
     */
    private static void assertInvalidParams(Route route, Answer a) {
        if (route.modern) {
            assertErrorCode(a, -32602, -32020);
        } else {
            assertErrorCode(a, -32602);
        }
    }

    private static void assertErrorCode(Answer a, int... codes) {
        JsonNode m = a.message();
        assertNotNull(m, "no JSON-RPC answer: " + a);
        int code = m.path("error").path("code").asInt(0);
        for (int c : codes) {
            if (c == code) {
                return;
            }
        }
        throw new AssertionError("expected a JSON-RPC error " + java.util.Arrays.toString(codes) + ", got " + a);
    }

    private static void report(Route route, String what, String answer) {
        System.out.println("[adversarial] " + route + " | " + what + " | " + answer);
    }

    /** What came back: the HTTP status of the POST and the JSON-RPC answer (from the body, or from the SSE stream). */
    record Answer(int status, JsonNode message) {
        String brief() {
            if (message == null) {
                return "HTTP " + status + ", no JSON-RPC answer";
            }
            JsonNode e = message.path("error");
            if (!e.isMissingNode()) {
                return "HTTP " + status + ", error " + e.path("code").asInt() + " " + e.path("message").asText();
            }
            return "HTTP " + status + ", result" + (message.path("result").path("isError").asBoolean() ? " (isError)" : "");
        }
    }

    /** A client on one route: its session (legacy), its stream (HTTP+SSE), and raw POSTs of any text. */
    final class Client implements AutoCloseable {
        private final Route route;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final AtomicLong ids = new AtomicLong(100);
        private String session;
        private EventStream stream;
        private String messagesPath;

        Client(Route route) {
            this.route = route;
            if (route.sse) {
                stream = EventStream.open(gateway.mcpUrl(route.server) + "/sse", Map.of("Authorization", bearer()));
                assertEquals(200, stream.status());
                messagesPath = stream.await(WAIT, e -> e.type().equals("endpoint")).data();
                handshake("2024-11-05");
            } else if (!route.modern) {
                handshake(LEGACY);
            }
        }

        private void handshake(String version) {
            Answer init = send("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
                    + version + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"adversary\",\"version\":\"1\"}}}", null);
            assertTrue(init.message() != null && init.message().has("result"), route + " initialize: " + init);
            send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", null);
        }

        private String bearer() {
            return "Bearer " + tokens.get(route);
        }

        private String fill(String template, long id) {
            String meta = route.modern ? "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + MODERN + "\","
                    + "\"io.modelcontextprotocol/clientCapabilities\":{},"
                    + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"adversary\",\"version\":\"1\"}}" : "";
            // %META% is followed by more members, %META_ONLY% is the only member of params.
            return template.replace("%ID%", String.valueOf(id)).replace("%META_ONLY%", meta)
                    .replace("%META%", meta.isEmpty() ? "" : meta + ",");
        }

        private Map<String, String> headers(String body, String mcpName) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Authorization", bearer());
            h.put("Content-Type", "application/json");
            h.put("Accept", "application/json, text/event-stream");
            if (route.modern) {
                h.put("MCP-Protocol-Version", MODERN);
                String method = body.contains("\"tools/list\"") ? "tools/list" : "tools/call";
                h.put("Mcp-Method", method);
                if (mcpName != null && method.equals("tools/call")) {
                    h.put("Mcp-Name", mcpName);
                }
            } else if (!route.sse) {
                h.put("MCP-Protocol-Version", LEGACY);
                if (session != null) {
                    h.put("Mcp-Session-Id", session);
                }
            }
            return h;
        }

        Answer send(String template, String mcpName) {
            long id = ids.incrementAndGet();
            String body = fill(template, id);
            URI uri = URI.create(route.sse ? gateway.baseUrl() + messagesPath : gateway.mcpUrl(route.server));
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(body));
            headers(body, mcpName).forEach(b::header);
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (session == null) {
                session = r.headers().firstValue("mcp-session-id").orElse(null);
            }
            List<JsonNode> messages = io.warden.testsupport.mcp.RawMcpClient.parseMessages(
                    r.headers().firstValue("content-type").orElse(""), r.body());
            JsonNode answer = messages.stream().filter(m -> m.has("result") || m.has("error")).reduce((x, y) -> y).orElse(null);
            if (route.sse && r.statusCode() == 202 && body.contains("\"id\":" + id)) {
                // The HTTP+SSE transport answers on the stream.
                String key = "\"id\":" + id + ",";
                answer = read(stream.await(WAIT, e -> e.data().contains(key) || e.data().contains("\"id\":" + id + "}")).data());
            }
            return new Answer(r.statusCode(), answer);
        }

        /** The bytes of a whole HTTP/1.1 POST of {@code template}, for a raw socket that hangs up mid-call. */
        byte[] rawRequest(String template, String mcpName) {
            String body = fill(template, ids.incrementAndGet());
            StringBuilder head = new StringBuilder("POST /mcp/" + route.server + " HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port() + "\r\n");
            headers(body, mcpName).forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
            byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[h.length + bytes.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(bytes, 0, all, h.length, bytes.length);
            return all;
        }

        private JsonNode read(String text) {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (stream != null) {
                stream.close();
            }
        }
    }
}
