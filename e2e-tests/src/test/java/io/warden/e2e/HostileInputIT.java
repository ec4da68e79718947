package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.stack.PackagedService;
import io.warden.stack.Stack;
import io.warden.testsupport.mcp.RawMcpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A hostile-input run against the whole system (the local stack, two gateways behind the balancer): at least 1,000
 * malformed requests from a seeded generator ({@code -Dwarden.hostile.seed}, {@code -Dwarden.hostile.count}) over raw
 * sockets, so nothing is tidied up by a client library: JSON-RPC shapes, wrong types, duplicate keys, huge values,
 * bad headers, bad and forged session ids and tokens on the MCP side; bad policies and grants, and bad keys, on the
 * admin API. Every answer must be a 4xx with a body, or a JSON-RPC error (or a tool error result) in a 200, or 202
 * for a notification; never a 5xx, never a dropped connection. Afterwards every process is alive and healthy, and no
 * planted secret (grant token, forged tokens, argument values, admin key) appears in any log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {
    private static final long SEED = Long.getLong("warden.hostile.seed", 1313L);
    private static final int COUNT = Integer.getInteger("warden.hostile.count", 1200);
    private static final String ARG_SECRET = "argument-secret-" + Long.toHexString(SEED) + "-never-logged";
    private static final String FORGED_MARK = "forgedtoken" + Long.toHexString(SEED);

    private final Path work = Path.of("target", "hostile").toAbsolutePath();
    private Stack stack;
    private String sessionId;

    /**
     * One generated request: where it goes, its raw bytes, what kind of hostility it carries, and whether it may be a
     * valid request after all (odd but legal: lone surrogate escapes, an unusual Accept), which may then succeed.
     */
    private record Attempt(String kind, int port, byte[] raw, boolean mayBeValid) {}

    /** What came back. */
    private record Answer(int status, String body) {}

    @BeforeAll
    void start() {
        stack = Stack.start(Stack.Options.of(work, 2));
        RawMcpClient c = new RawMcpClient(stack.mcpUrl()).header("Authorization", "Bearer " + stack.demoToken());
        c.initialize("2025-11-25");
        sessionId = c.sessionId();
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    // ---- the generator

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static String huge(Random r, int size) {
        StringBuilder sb = new StringBuilder(size);
        while (sb.length() < size) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private String badId(Random r) {
        return pick(r, "{}", "[1]", "true", "1.5", "99999999999999999999999999", "1e999");
    }

    /** A JSON-RPC body that is wrong in one generated way. */
    private String badBody(Random r) {
        String args = "{\"message\":\"" + ARG_SECRET + "\"}";
        return switch (r.nextInt(22)) {
            case 0 -> pick(r, "{", "[", "}", "{\"jsonrpc\":", "nul", "\u0000\u0001", "{\"a\":1}}", "'single'");
            case 1 -> pick(r, "null", "42", "\"string\"", "true", "[]", "{}");
            case 2 -> "[" + "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},".repeat(r.nextInt(3)) + "42]";
            case 3 -> "{\"id\":" + r.nextInt(1000) + ",\"method\":\"tools/list\"}"; // no jsonrpc
            case 4 -> "{\"jsonrpc\":\"" + pick(r, "1.0", "3.0", "", "2") + "\",\"id\":1,\"method\":\"tools/list\"}";
            case 5 -> "{\"jsonrpc\":\"2.0\",\"id\":" + badId(r) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":" + args + "}}";
            case 6 -> "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":" + pick(r, "1", "null", "[]", "{}", "\"\"") + "}";
            case 7 -> "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + pick(r, "tools/cal", "../../etc", "rpc.discover", "x".repeat(300), "tools/call\u0000") + "\"}";
            case 8 -> "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":" + pick(r, "[]", "\"p\"", "1", "true") + "}";
            case 9 -> "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":" + pick(r, "1", "null", "{}", "[\"echo\"]") + ",\"arguments\":" + args + "}}";
            case 10 -> "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":" + pick(r, "[]", "\"a\"", "7", "null") + "}}";
            case 11 -> "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":" + nested(200 + r.nextInt(5000)) + "}}}";
            case 12 -> "{\"jsonrpc\":\"2.0\",\"id\":12,\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":" + args + "}}";
            case 13 -> "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"name\":\"delete_account\",\"arguments\":" + args + "}}";
            case 14 -> "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" + huge(r, 1_100_000 + r.nextInt(200_000)) + "\"}}}";
            case 15 -> "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"tools/call\",\"params\":{\"name\":\"" + huge(r, 10_000 + r.nextInt(50_000)) + "\",\"arguments\":" + args + "}}";
            case 16 -> "{\"jsonrpc\":\"2.0\",\"id\":17,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_account\",\"arguments\":" + args + "}}";
            case 17 -> "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"initialize\",\"params\":{\"protocolVersion\":" + pick(r, "1", "\"1999-01-01\"", "null", "[]") + "}}";
            case 18 -> "{\"jsonrpc\":\"2.0\",\"id\":19,\"result\":{},\"error\":{\"code\":1,\"message\":\"both\"}}";
            case 19 -> "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"\\ud800\\udfff\\uDEAD " + ARG_SECRET + "\"}}}";
            case 20 -> "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"resources/read\",\"params\":{\"uri\":" + pick(r, "1", "\"file:///etc/passwd\"", "null", "\"" + huge(r, 5000) + "\"") + "}}";
            default -> "{\"jsonrpc\":\"2.0\",\"id\":" + (1e300) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":\"x\",\"b\":[" + ARG_SECRET.length() + "]}}}";
        };
    }

    private static byte[] http(String method, String path, int port, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (!headers.containsKey("Host")) {
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        }
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null) {
            return h;
        }
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private Attempt mcp(Random r) {
        int port = stack.balancer().port();
        String path = "/mcp/" + Stack.DEMO_SERVER;
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("Accept", "application/json, text/event-stream");
        h.put("Authorization", "Bearer " + stack.demoToken());
        h.put("Mcp-Session-Id", sessionId);
        h.put("MCP-Protocol-Version", "2025-11-25");
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" + ARG_SECRET + "\"}}}";
        String kind;
        String method = "POST";
        boolean mayBeValid = false;
        switch (r.nextInt(4)) {
            case 0, 1 -> { // the body
                body = badBody(r);
                kind = "mcp-body";
                mayBeValid = body.contains("\\ud800");
            }
            case 2 -> { // headers
                kind = "mcp-header";
                int variant = r.nextInt(9);
                mayBeValid = variant == 2 || variant == 3;
                switch (variant) {
                    case 0 -> {
                        h.put("Content-Type", pick(r, "text/plain", "application/xml", "multipart/form-data; boundary=x",
                                "application/json; charset=latin-99", ""));
                        // JSON is UTF-8 whatever the parameter says (RFC 8259): a bogus charset may be ignored
                        mayBeValid = h.get("Content-Type").startsWith("application/json");
                    }
                    case 1 -> h.remove("Content-Type");
                    case 2 -> h.put("Accept", pick(r, "text/html", "image/png", "", "*/x"));
                    case 3 -> h.put("MCP-Protocol-Version", pick(r, "1.0", "2099-13-45", "", "2025-11-25, 2026-07-28", huge(r, 500)));
                    case 4 -> h.put("Host", pick(r, "evil.example", "127.0.0.1.nip.io", "attacker:80", ""));
                    case 5 -> h.put("Origin", pick(r, "https://evil.example", "null", "http://localhost.evil", "file://"));
                    case 6 -> h.put("X-Big", huge(r, 20_000 + r.nextInt(20_000)));
                    case 7 -> method = pick(r, "PUT", "PATCH", "TRACE", "OPTIONS", "BREW"); // DELETE is legal: it ends the session
                    default -> h.put("Content-Type", "application/json\r\nContent-Type: text/plain"); // twice, disagreeing
                }
            }
            default -> { // sessions and tokens
                kind = "mcp-auth";
                switch (r.nextInt(8)) {
                    case 0 -> h.remove("Authorization");
                    case 1 -> h.put("Authorization", pick(r, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer  x", "Token abc"));
                    case 2 -> h.put("Authorization", "Bearer wdn_" + FORGED_MARK + huge(r, 20));
                    case 3 -> h.put("Authorization", "Bearer " + stack.demoToken().substring(0, stack.demoToken().length() - 1) + "x");
                    case 4 -> h.put("Mcp-Session-Id", pick(r, "", "x", "../../", huge(r, 2000), "null"));
                    case 5 -> h.put("Mcp-Session-Id", java.util.Base64.getUrlEncoder().withoutPadding()
                            .encodeToString(huge(r, 60 + r.nextInt(60)).getBytes(StandardCharsets.UTF_8)));
                    case 6 -> h.put("Mcp-Session-Id", sessionId.substring(0, sessionId.length() / 2));
                    default -> h.put("Mcp-Session-Id", sessionId.substring(0, sessionId.length() - 2)
                            + (sessionId.endsWith("A") ? "BB" : "AA"));
                }
            }
        }
        return new Attempt(kind, port, http(method, path, port, h, body.getBytes(StandardCharsets.UTF_8)), mayBeValid);
    }

    private Attempt admin(Random r) {
        PackagedService policy = stack.policyService();
        int port = policy.port();
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("Authorization", "Bearer " + stack.secrets().adminKey());
        String method = "POST";
        String path;
        String body;
        String kind;
        if (r.nextBoolean()) {
            kind = "admin-policy";
            path = "/api/policies/" + pick(r, "p" + r.nextInt(1_000_000), "..%2F..%2Fetc", "%00", "a b", "x".repeat(300), "UPPER", "-");
            body = switch (r.nextInt(12)) {
                case 0 -> "{\"version\":1,\"default\":\"deny\"}";
                case 1 -> "{\"version\":\"2\",\"default\":\"deny\"}";
                case 2 -> "{\"version\":\"1\",\"default\":\"maybe\"}";
                case 3 -> "{\"version\":\"1\",\"default\":\"deny\",\"tolls\":{}}";
                case 4 -> "{\"version\":\"1\",\"default\":\"deny\",\"default\":\"allow\"}";
                case 5 -> "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"echo\":{\"limits\":[{\"counter\":\"c\",\"window\":\"fortnight\",\"max\":-1}]}}}";
                case 6 -> "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"echo\":{\"require\":[{\"conditions\":[{\"path\":\"args.x\",\"op\":\"regex\",\"value\":\"(a+)+$" + "(".repeat(1 + r.nextInt(3)) + "\"}]}]}}}";
                case 7 -> "{\"version\":\"1\",\"default\":\"deny\",\"description\":\"" + huge(r, 1_100_000) + "\"}";
                case 8 -> "{\"version\":\"1\",\"default\":\"deny\",\"tools\":" + nested(500 + r.nextInt(3000)) + "}";
                case 9 -> pick(r, "", "{", "null", "[]", "\"policy\"");
                case 10 -> "{\"version\":\"1\",\"default\":\"deny\",\"on_limiter_error\":\"sideways\"}";
                default -> "{\"version\":\"1\",\"default\":\"deny\",\"tools\":{\"echo\":{\"deny_if\":[{\"conditions\":[{\"path\":1,\"op\":\"eq\"}]}]}}}";
            };
        } else {
            kind = "admin-grant";
            path = "/api/grants";
            body = switch (r.nextInt(10)) {
                case 0 -> "{\"id\":\"g" + r.nextInt(1000) + "\",\"label\":\"x\",\"server\":\"nope\",\"policy\":\"demo\"}";
                case 1 -> "{\"id\":\"g" + r.nextInt(1000) + "\",\"label\":\"x\",\"server\":\"demo\",\"policy\":\"nope\"}";
                case 2 -> "{\"id\":" + pick(r, "1", "null", "[]", "{}") + ",\"label\":\"x\",\"server\":\"demo\",\"policy\":\"demo\"}";
                case 3 -> "{\"id\":\"" + Stack.DEMO_GRANT + "\",\"label\":\"dup\",\"server\":\"demo\",\"policy\":\"demo\"}";
                case 4 -> "{\"label\":\"no id\"}";
                case 5 -> "{\"id\":\"" + pick(r, "../x", "a b", "", "x".repeat(500), "\u0000") + "\",\"label\":\"x\",\"server\":\"demo\",\"policy\":\"demo\"}";
                case 6 -> "{\"id\":\"h" + r.nextInt(1000) + "\",\"label\":\"" + huge(r, 200_000) + "\",\"server\":\"demo\",\"policy\":\"demo\"}";
                case 7 -> "{\"id\":\"d1\",\"id\":\"d2\",\"label\":\"x\",\"server\":\"demo\",\"policy\":\"demo\"}";
                case 8 -> pick(r, "", "[", "nul", "[{}]");
                default -> "{\"id\":\"t" + r.nextInt(1000) + "\",\"label\":\"x\",\"server\":\"demo\",\"policy\":\"demo\",\"token\":\"" + FORGED_MARK + "\"}";
            };
        }
        switch (r.nextInt(6)) {
            case 0 -> h.put("Authorization", "Bearer " + FORGED_MARK);
            case 1 -> h.remove("Authorization");
            case 2 -> h.put("Content-Type", pick(r, "text/plain", "application/x-www-form-urlencoded", "application/yaml"));
            default -> {
                // the right key: the body alone is wrong
            }
        }
        return new Attempt(kind, port, http(method, path, port, h, body.getBytes(StandardCharsets.UTF_8)), false);
    }

    private static Answer send(Attempt a) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", a.port()), 5000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(a.raw());
                out.flush();
            } catch (IOException e) {
                // the server may answer (413) and close before reading a huge body; read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                if (got.size() == 0) {
                    throw e;
                }
            }
            String text = got.toString(StandardCharsets.UTF_8);
            if (!text.startsWith("HTTP/1.1 ") && !text.startsWith("HTTP/1.0 ")) {
                return new Answer(-1, text);
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int bodyAt = text.indexOf("\r\n\r\n");
            return new Answer(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4));
        }
    }

    /** A refusal at the HTTP level (any 4xx), or a JSON-RPC error or tool error in a 200, or 202 for a notification. */
    private static boolean clear(Attempt a, Answer answer) {
        if (answer.status() >= 400 && answer.status() < 500) {
            return true;
        }
        boolean mcp = a.kind().startsWith("mcp");
        if (answer.status() == 200 && mcp) {
            return answer.body().contains("\"error\"") || answer.body().contains("\"isError\":true") || a.mayBeValid();
        }
        return answer.status() == 202 && mcp;
    }

    @Test
    void everyMalformedRequestGetsAClearAnswerAndNothingBreaks() throws IOException {
        Random r = new Random(SEED);
        Map<String, Map<Integer, Integer>> byKind = new TreeMap<>();
        List<String> unclear = new ArrayList<>();
        Map<String, Integer> emptyRefusals = new TreeMap<>();
        for (int i = 0; i < COUNT; i++) {
            Attempt a = r.nextInt(3) == 0 ? admin(r) : mcp(r);
            Answer answer;
            try {
                answer = send(a);
            } catch (IOException e) {
                answer = new Answer(-1, "connection failed: " + e.getMessage());
            }
            byKind.computeIfAbsent(a.kind(), k -> new TreeMap<>()).merge(answer.status(), 1, Integer::sum);
            if (answer.status() >= 400 && answer.status() < 500 && answer.body().isBlank()) {
                emptyRefusals.merge(a.kind() + " " + answer.status(), 1, Integer::sum);
            }
            if (!clear(a, answer) && unclear.size() < 20) {
                String req = new String(a.raw(), 0, Math.min(a.raw().length, 900), StandardCharsets.ISO_8859_1);
                unclear.add("#" + i + " " + a.kind() + " → " + answer.status() + " "
                        + answer.body().substring(0, Math.min(300, answer.body().length())) + "\n   request: " + req);
            }
        }
        System.out.println("[hostile] seed " + SEED + ", " + COUNT + " malformed requests; answers by kind and status:");
        byKind.forEach((kind, statuses) -> System.out.println("[hostile]   " + kind + ": " + statuses));
        System.out.println("[hostile] 4xx without a body (refused by the HTTP layer before any handler): " + emptyRefusals);
        long fiveXx = byKind.values().stream().flatMap(m -> m.entrySet().stream())
                .filter(e -> e.getKey() >= 500 || e.getKey() < 0).mapToLong(Map.Entry::getValue).sum();
        assertEquals(0, fiveXx, "no 5xx and no dropped connection; first unclear answers:\n" + String.join("\n", unclear));
        assertTrue(unclear.isEmpty(), "every answer is a clear 4xx or JSON-RPC error:\n" + String.join("\n", unclear));

        for (PackagedService service : Stream.concat(stack.gateways().stream(),
                Stream.of(stack.policyService(), stack.auditService())).toList()) {
            assertTrue(service.isAlive(), service + " alive");
            assertTrue(service.ready(), service + " healthy");
        }
        List<String> secrets = List.of(stack.demoToken(), stack.secrets().adminKey(), ARG_SECRET, FORGED_MARK,
                stack.secrets().sessionKey());
        int files = 0;
        try (Stream<Path> logs = Files.list(stack.logs())) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                files++;
                for (String secret : secrets) {
                    assertTrue(!text.contains(secret), log.getFileName() + " holds a secret (" + secret.substring(0, 8) + "…)");
                }
            }
        }
        System.out.println("[hostile] all " + (stack.gateways().size() + 2) + " services alive and healthy; none of "
                + secrets.size() + " planted secrets in " + files + " log files");
    }
}
