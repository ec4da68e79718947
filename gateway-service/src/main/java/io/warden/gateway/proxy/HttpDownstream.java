package io.warden.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.warden.gateway.approval.ClientElicitation;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.mcp.SseEvent;
import io.warden.gateway.session.SessionCodec;

/** Streamable HTTP: the answer is the POST's (or GET's) own response. */
final class HttpDownstream implements Downstream {

    private final HttpServerResponse out;
    private final SessionCodec sessions;

    HttpDownstream(HttpServerResponse out, SessionCodec sessions) {
        this.out = out;
        this.sessions = sessions;
    }

    @Override
    public boolean open() {
        return !out.ended() && !out.closed();
    }

    @Override
    public boolean started() {
        return out.headWritten();
    }

    @Override
    public void answer(int status, String contentType, Buffer body) {
        if (!open()) {
            return;
        }
        out.setStatusCode(status);
        if (body.length() > 0 && contentType != null && !contentType.isEmpty()) {
            out.putHeader("Content-Type", contentType);
        }
        out.end(body);
    }

    @Override
    public void startEvents(int status) {
        out.setStatusCode(status)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache, no-transform")
                .putHeader("X-Accel-Buffering", "no");
        out.writeHead();
    }

    @Override
    public void event(SseEvent event) {
        out.write(event.raw());
    }

    @Override
    public boolean congested() {
        return out.writeQueueFull();
    }

    @Override
    public void onDrain(Runnable r) {
        out.drainHandler(v -> r.run());
    }

    @Override
    public void onClose(Runnable r) {
        out.closeHandler(v -> r.run());
    }

    @Override
    public void end() {
        if (open()) {
            out.end();
        }
    }

    @Override
    public void sessionEstablished(String serverId, String grantId, String upstreamSessionId, String protocolVersion) {
        out.putHeader(Protocol.H_SESSION, sessions.seal(serverId, grantId, upstreamSessionId, protocolVersion,
                ClientElicitation.plain(protocolVersion)));
    }

    @Override
    public void header(String name, String value) {
        out.putHeader(name, value);
    }
}
