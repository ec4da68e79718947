package io.warden.policyservice.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import io.warden.policyservice.inventory.McpToolsClient.UpstreamException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HTTP/2 to upstreams marked {@code http2}, with the protocol settings the gateway uses for them: h2c with prior
 * knowledge over {@code http} (an h2c-only upstream accepts nothing else), ALPN offering h2 then http/1.1 over
 * {@code https}. The JDK client cannot do the former (it only upgrades), hence Vert.x here. Called from worker threads,
 * which wait for the event loop's answer.
 */
final class Http2UpstreamHttp implements UpstreamHttp {
    /** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2) or sets itself. */
    private static final Set<String> NOT_SENDABLE = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "host", "te");

    private final HttpClient client;
    private final Duration timeout;

    Http2UpstreamHttp(Vertx vertx, Duration timeout) {
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setConnectTimeout((int) timeout.toMillis())
                .setTryUseCompression(false));
        this.timeout = timeout;
    }

    @Override
    public Reply exchange(String method, URI uri, Map<String, String> headers, String body) throws UpstreamException {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        Promise<Reply> reply = Promise.promise();
        RequestOptions request = options(method, uri, headers);
        client.request(request)
                .compose(req -> {
                    sent.set(req);
                    return body == null ? req.send() : req.send(Buffer.buffer(body, "UTF-8"));
                })
                .onFailure(reply::tryFail)
                .onSuccess(response -> {
                    Buffer bytes = Buffer.buffer();
                    response.exceptionHandler(reply::tryFail);
                    response.handler(chunk -> {
                        if (bytes.length() + chunk.length() > MAX_BODY_BYTES) {
                            reply.tryFail(McpToolsClient.tooLarge());
                            response.request().reset();
                        } else {
                            bytes.appendBuffer(chunk);
                        }
                    });
                    response.endHandler(v -> reply.tryComplete(new Reply(response.statusCode(),
                            header(response, "content-type", ""), header(response, "mcp-session-id", null),
                            bytes.getBytes())));
                });
        return await(reply.future(), sent, "no complete answer within " + timeout.toSeconds() + " s");
    }

    @Override
    public SseStream openStream(URI uri, Map<String, String> headers) throws UpstreamException {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        Promise<SseStream> opened = Promise.promise();
        RequestOptions request = options("GET", uri, headers);
        client.request(request)
                .compose(req -> {
                    sent.set(req);
                    return req.send();
                })
                .onFailure(opened::tryFail)
                .onSuccess(response -> {
                    UpstreamException refused = SseStream.refusal(response.statusCode(),
                            header(response, "content-type", ""));
                    if (refused != null) {
                        response.request().reset();
                        opened.tryFail(refused);
                        return;
                    }
                    // Handlers are set here, on the event loop as the answer arrives, so no line is lost.
                    SseStream stream = new SseStream(() -> response.request().reset());
                    RecordParser lines = RecordParser.newDelimited("\n", line -> {
                        String text = line.toString(StandardCharsets.UTF_8);
                        if (!stream.line(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text)) {
                            response.request().reset();
                        }
                    }).maxRecordSize(SseStream.MAX_EVENT_CHARS + 16);
                    lines.exceptionHandler(t -> {
                        stream.end("an event is longer than " + SseStream.MAX_EVENT_CHARS + " characters");
                        response.request().reset();
                    });
                    response.handler(lines);
                    response.exceptionHandler(t -> stream.end("the event stream failed ("
                            + t.getClass().getSimpleName() + ")"));
                    response.endHandler(v -> stream.end(null));
                    opened.tryComplete(stream);
                });
        return await(opened.future(), sent, "the HTTP+SSE stream did not open within " + timeout.toSeconds() + " s");
    }

    private static RequestOptions options(String method, URI uri, Map<String, String> headers)
            throws UpstreamException {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setAbsoluteURI(uri.toString())
                .setFollowRedirects(false);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (NOT_SENDABLE.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                throw new UpstreamException("the static header '" + h.getKey() + "' cannot be sent over HTTP/2");
            }
            try {
                o.putHeader(h.getKey().toLowerCase(Locale.ROOT), h.getValue()); // lower case on the HTTP/2 wire
            } catch (IllegalArgumentException e) {
                throw new UpstreamException("the static header '" + h.getKey() + "' cannot be sent by the HTTP client");
            }
        }
        return o;
    }

    private static String header(HttpClientResponse response, String name, String absent) {
        String v = response.getHeader(name);
        return v == null ? absent : v;
    }

    /** What went wrong, in the words the JDK client's failures get (JdkUpstreamHttp), plus the http2 hint. */
    static UpstreamException failure(Throwable cause, Duration timeout) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) { // a ConnectException too: test it first
            return McpToolsClient.connectTimedOut(timeout);
        }
        if (cause instanceof UpstreamException || cause instanceof ConnectException) {
            return McpToolsClient.failure(cause);
        }
        // Most often an HTTP/1.1-only upstream refusing the HTTP/2 preface: say which setting decides.
        return new UpstreamException("I/O error talking to the upstream over HTTP/2 (" + cause.getClass().getSimpleName()
                + "); if it speaks only HTTP/1.1, clear the server's http2 flag");
    }

    private <T> T await(Future<T> answer, AtomicReference<HttpClientRequest> sent, String late)
            throws UpstreamException {
        try {
            return answer.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            HttpClientRequest req = sent.get();
            if (req != null) {
                req.reset();
            }
            throw new UpstreamException(late);
        } catch (ExecutionException e) {
            throw failure(e.getCause(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted");
        }
    }
}
