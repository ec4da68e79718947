package io.warden.policyservice.inventory;

import io.warden.policyservice.inventory.McpToolsClient.UpstreamException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** HTTP/1.1 to the upstream, with the JDK's client. */
final class JdkUpstreamHttp implements UpstreamHttp {
    private final HttpClient http;
    private final Duration timeout;

    JdkUpstreamHttp(Duration timeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
    }

    @Override
    public Reply exchange(String method, URI uri, Map<String, String> headers, String body) throws UpstreamException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        addHeaders(b, headers);
        HttpResponse<byte[]> response = send(b.build());
        return new Reply(response.statusCode(), response.headers().firstValue("content-type").orElse(""),
                response.headers().firstValue("mcp-session-id").orElse(null), response.body());
    }

    @Override
    public SseStream openStream(URI uri, Map<String, String> headers) throws UpstreamException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
        addHeaders(b, headers);
        CompletableFuture<HttpResponse<Stream<String>>> answer = http.sendAsync(b.build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response;
        try {
            response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new UpstreamException("the HTTP+SSE stream did not open within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new UpstreamException("the HTTP+SSE stream could not be opened ("
                    + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted");
        }
        String type = response.headers().firstValue("content-type").orElse("");
        UpstreamException refused = SseStream.refusal(response.statusCode(), type);
        if (refused != null) {
            response.body().close();
            throw refused;
        }
        Stream<String> lines = response.body();
        SseStream stream = new SseStream(lines::close);
        Thread reader = new Thread(() -> {
            try {
                for (var it = lines.iterator(); it.hasNext(); ) {
                    if (!stream.line(it.next())) {
                        break;
                    }
                }
                stream.end(null);
            } catch (RuntimeException e) {
                stream.end("the event stream failed (" + e.getClass().getSimpleName() + ")");
            }
        }, "inventory-sse-reader");
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    private static void addHeaders(HttpRequest.Builder b, Map<String, String> headers) throws UpstreamException {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            try {
                b.setHeader(h.getKey(), h.getValue());
            } catch (IllegalArgumentException e) {
                throw new UpstreamException("the static header '" + h.getKey() + "' cannot be sent by the HTTP client");
            }
        }
    }

    /**
     * Sends and reads the whole answer within the timeout: the client's own request timeout ends when the headers
     * arrive, so a body that trickles forever is cut here, and the exchange cancelled.
     */
    private HttpResponse<byte[]> send(HttpRequest request) throws UpstreamException {
        CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request, info -> new BoundedBody());
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new UpstreamException("no complete answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpConnectTimeoutException) {
                throw McpToolsClient.connectTimedOut(timeout);
            }
            if (cause instanceof HttpTimeoutException) {
                throw new UpstreamException("no answer within " + timeout.toSeconds() + " s");
            }
            throw McpToolsClient.failure(cause);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted");
        }
    }

    /** Collects a body of at most {@value UpstreamHttp#MAX_BODY_BYTES} bytes; a larger one fails the exchange. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(McpToolsClient.tooLarge());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
