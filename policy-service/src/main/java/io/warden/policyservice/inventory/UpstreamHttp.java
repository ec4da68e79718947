package io.warden.policyservice.inventory;

import io.warden.policyservice.inventory.McpToolsClient.UpstreamException;
import java.net.URI;
import java.util.Map;

/**
 * How {@link McpToolsClient} reaches an upstream: {@link JdkUpstreamHttp} over HTTP/1.1, {@link Http2UpstreamHttp} for
 * servers marked {@code http2}. Blocking, each exchange bounded by the client's timeout and body limit; failures are
 * {@link UpstreamException}s whose message names neither the URL nor a header value.
 */
interface UpstreamHttp {
    /** The largest answer body read; a larger one fails the exchange. */
    int MAX_BODY_BYTES = 8 * 1024 * 1024;

    /** A whole answer: what {@link McpToolsClient} reads of it. */
    record Reply(int status, String contentType, String sessionId, byte[] body) {}

    /** Sends one request ({@code body} null: none) and reads the whole answer. */
    Reply exchange(String method, URI uri, Map<String, String> headers, String body) throws UpstreamException;

    /** Opens a {@code text/event-stream} GET; anything but a 200 event stream is an error. */
    SseStream openStream(URI uri, Map<String, String> headers) throws UpstreamException;
}
