package io.warden.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.warden.gateway.mcp.SseEvent;

/**
 * Where an exchange's answer goes: the HTTP response of the request itself (Streamable HTTP), or the
 * client's long-lived event stream (the deprecated HTTP+SSE transport, where POSTs only get 202).
 */
interface Downstream {

    /** False once the answer is complete or the client is gone. */
    boolean open();

    /** True once a status line went out (a later failure can only end the stream). */
    boolean started();

    /** A complete answer. {@code body} may be empty (202). */
    void answer(int status, String contentType, Buffer body);

    /** Begins an event-stream answer. */
    void startEvents(int status);

    void event(SseEvent event);

    /** Backpressure: true while the client is not keeping up. */
    boolean congested();

    void onDrain(Runnable r);

    /** Runs when the client goes away before the answer is complete. */
    void onClose(Runnable r);

    void end();

    /** An upstream session began (legacy initialize succeeded). */
    void sessionEstablished(String serverId, String grantId, String upstreamSessionId, String protocolVersion);

    void header(String name, String value);
}
