package io.warden.gateway.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Malformed HTTP on raw sockets against the real gateway. What reaches Warden's routes is answered with a JSON-RPC
 * error. What Vert.x's HTTP/1.1 codec refuses while parsing the request line and headers never reaches any route,
 * and Quarkus 3.33 offers no hook for it (docs/security.md, "Malformed HTTP"): those tests pin the codec's bare answer
 * (status only, empty body, connection closed), so a Quarkus upgrade that changes it shows up here. After each,
 * the gateway still serves the next request.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestBed.class)
class MalformedHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST = "Host: 127.0.0.1\r\n";

    /** One HTTP/1.x answer read off a raw socket, and whether the gateway closed the connection after it. */
    record Answer(String statusLine, int status, Map<String, String> headers, String body, boolean closed) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    // ---- refused by the codec: no route runs --------------------------------------------------------------------

    @Test
    void anOverLongHeaderBlockIsABare431AndTheConnectionCloses() throws Exception {
        // Over quarkus.http.limits.max-header-size (20 KiB by default).
        Answer a = exchange("GET /mcp/fixture HTTP/1.1\r\n" + HOST + "X-Big: " + "a".repeat(30_000) + "\r\n\r\n");
        assertCodecRefusal(a, 431);
        assertStillServes();
    }

    @Test
    void anOverLongUriIsABare414AndTheConnectionCloses() throws Exception {
        // Over quarkus.http.limits.max-initial-line-length (4,096 by default).
        Answer a = exchange("GET /mcp/" + "a".repeat(5_000) + " HTTP/1.1\r\n" + HOST + "\r\n");
        assertCodecRefusal(a, 414);
        assertStillServes();
    }

    @Test
    void aGarbageRequestLineIsABare400AndTheConnectionCloses() throws Exception {
        assertEachIsABare400(line -> line + "\r\n" + HOST + "\r\n", "GARBAGE", "GET /mcp/fixture HTTP/9.x");
        assertStillServes();
    }

    @Test
    void aBadHeaderLineIsABare400AndTheConnectionCloses() throws Exception {
        assertEachIsABare400(header -> "POST /mcp/fixture HTTP/1.1\r\n" + HOST + header + "\r\n\r\n",
                "Bad Header Line", "X-Space : before the colon", "Content-Length: abc");
        assertStillServes();
    }

    // ---- reaches the routes: a JSON-RPC error -------------------------------------------------------------------

    @Test
    void aDeclaredBodyOverTheLimitIsAJsonRpc413AndTheConnectionCloses() throws Exception {
        // Sent whole without waiting (as most clients do, here with Connection: close too): the gateway reads and
        // discards it before answering, so the client reads the 413 instead of a reset under its unread bytes.
        for (int size : new int[] {70_000, 1_200_000}) {
            Answer a = exchange("POST /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: " + size + "\r\n\r\n" + "x".repeat(size));
            assertJsonRpcError(a, 413, -32600, "65536");
            assertTrue(a.closed(), "the connection closes after the answer");
        }
        // Over 16 MiB (and over Quarkus's own max-body-size, whose check would answer a bare 413 after Warden's), or
        // a client waiting for 100-continue: refused before any body is read.
        String[] heads = {"Content-Length: 20000000\r\n", "Content-Length: 70000\r\nExpect: 100-continue\r\n"};
        for (String head : heads) {
            Answer a = exchange("POST /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Type: application/json\r\n" + head
                    + "\r\n");
            assertJsonRpcError(a, 413, -32600, "65536");
            assertTrue(a.closed(), "the unread body must not be parsed as a next request");
        }
        assertStillServes();
    }

    @Test
    void aChunkedBodyThatGrowsOverTheLimitIsAJsonRpc413() throws Exception {
        String chunk = "x".repeat(70_000);
        Answer a = exchange("POST /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
        assertJsonRpcError(a, 413, -32600, "65536");
        assertStillServes();
    }

    @Test
    void aMalformedChunkClosesTheConnectionAndCountsAsTheClientsMistake() throws Exception {
        double exceptions = metric("warden_gateway_failures_total{", "cause=\"exception\"");
        double before = metric("warden_requests_total{", "outcome=\"bad_body\"");
        try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Type: application/json\r\n"
                    + "Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            // The codec fails the body and closes the connection before any route can answer.
            assertEquals(-1, s.getInputStream().read());
        }
        assertEquals(before + 1, metric("warden_requests_total{", "outcome=\"bad_body\""));
        assertEquals(exceptions, metric("warden_gateway_failures_total{", "cause=\"exception\""), "not a gateway bug");
        assertStillServes();
    }

    @Test
    void aClientGoneMidBodyCountsAsTheClientsMistake() throws Exception {
        double exceptions = metric("warden_gateway_failures_total{", "cause=\"exception\"");
        double before = metric("warden_requests_total{", "outcome=\"bad_body\"");
        try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
            s.getOutputStream().write(("POST /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"jsonrpc\"").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metric("warden_requests_total{", "outcome=\"bad_body\"") == before + 1);
        assertEquals(exceptions, metric("warden_gateway_failures_total{", "cause=\"exception\""), "not a gateway bug");
    }

    @Test
    void aMethodTheSseTransportsPathsDoNotTakeIsAJsonRpc405WithAllow() throws Exception {
        Answer sse = exchange("POST /mcp/fixture/sse HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n");
        assertJsonRpcError(sse, 405, -32000, "POST");
        assertEquals("GET", sse.headers().get("allow"));
        Answer messages = exchange("GET /mcp/fixture/messages HTTP/1.1\r\n" + HOST + "\r\n");
        assertJsonRpcError(messages, 405, -32000, "GET");
        assertEquals("POST", messages.headers().get("allow"));
        Answer endpoint = exchange("PUT /mcp/fixture HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n");
        assertJsonRpcError(endpoint, 405, -32000, "PUT");
        assertEquals("GET, POST, DELETE, OPTIONS", endpoint.headers().get("allow"));
    }

    @Test
    void aPathUnderMcpThatNamesNoEndpointIsAJsonRpc404() throws Exception {
        for (String path : new String[] {"/mcp", "/mcp/", "/mcp/fixture/other", "/mcp/a/b/c"}) {
            Answer a = exchange("GET " + path + " HTTP/1.1\r\n" + HOST + "\r\n");
            assertJsonRpcError(a, 404, -32000, "/mcp/{server}");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static void assertCodecRefusal(Answer a, int status) {
        assertEquals(status, a.status(), a.statusLine());
        assertEquals("0", a.headers().get("content-length"), "the codec's answer has no body");
        assertNull(a.headers().get("content-type"));
        assertTrue(a.closed(), "the codec closes the connection after its answer");
    }

    /** Each of {@code variants}, sent on its own connection as {@code request} makes it, is the codec's bare 400. */
    private static void assertEachIsABare400(Function<String, String> request, String... variants) throws IOException {
        for (String variant : variants) {
            assertCodecRefusal(exchange(request.apply(variant)), 400);
        }
    }

    private static void assertJsonRpcError(Answer a, int status, int code, String inMessage) throws IOException {
        assertEquals(status, a.status(), a.statusLine() + " " + a.body());
        assertTrue(a.headers().getOrDefault("content-type", "").startsWith("application/json"), a.headers().toString());
        JsonNode body = a.json();
        assertEquals("2.0", body.path("jsonrpc").asText());
        assertTrue(body.has("id") && body.get("id").isNull(), a.body());
        assertEquals(code, body.path("error").path("code").asInt(), a.body());
        assertTrue(body.path("error").path("message").asText().contains(inMessage), a.body());
    }

    /** A well-formed initialize on a fresh connection is proxied as usual. */
    private static void assertStillServes() {
        Mcp.client(GatewayTestBed.ALLOW_TOKEN).body(Mcp.initialize(1)).post("/mcp/fixture").then().statusCode(200)
                .header("Mcp-Session-Id", org.hamcrest.Matchers.notNullValue());
    }

    private static double metric(String name, String tag) {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith(name) && l.contains(tag))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * Sends {@code raw} as is and reads one answer. Whether the connection was closed is read only where the answer
     * asks for it (codec refusals have no keep-alive; the others say {@code Connection: close}); otherwise the next
     * read would wait for the idle timeout. The socket timeout bounds a gateway that never answers.
     */
    private static Answer exchange(String raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", RestAssured.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            boolean expectClose = "close".equalsIgnoreCase(headers.get("connection")) || lines[0].startsWith("HTTP/1.0")
                    || "0".equals(headers.get("content-length")) && !headers.containsKey("content-type");
            boolean closed = expectClose && in.read() < 0;
            return new Answer(lines[0], Integer.parseInt(lines[0].split(" ")[1]), headers,
                    new String(body, StandardCharsets.UTF_8), closed);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before a complete answer: " + head);
            }
            head.write(b);
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String s = head.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
    }
}
