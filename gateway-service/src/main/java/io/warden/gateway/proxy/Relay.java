package io.warden.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.warden.gateway.mcp.Denials;
import io.warden.gateway.approval.ClientElicitation;
import io.warden.gateway.mcp.JsonRpc;
import io.warden.gateway.mcp.Protocol;
import io.warden.gateway.mcp.SseEvent;
import io.warden.gateway.mcp.SseParser;
import io.warden.gateway.ratelimit.RefundRule;
import io.warden.gateway.mcp.UpstreamJson;
import io.warden.gateway.policy.HiddenTools;
import java.util.Locale;

/**
 * Carries one upstream answer back to the client: JSON as JSON (inspected), SSE event by event as
 * each arrives (never buffered), 202 as an empty 202. Every JSON-RPC message passes the policy hooks;
 * upstream sessions and credentials never leak to the client.
 */
final class Relay {

    private final McpProxy proxy;
    private final Exchange ex;
    private final HttpClientRequest req;
    private final HttpClientResponse resp;
    private final Downstream out;
    private boolean responded;
    private boolean sawEventId;
    private boolean finished;
    /** The JSON answer being collected or the SSE event being assembled, counted against the pod's buffer budget. */
    private final BufferBudget.Lease lease;

    Relay(McpProxy proxy, Exchange ex, HttpClientRequest req, HttpClientResponse resp) {
        this.proxy = proxy;
        this.ex = ex;
        this.req = req;
        this.resp = resp;
        this.out = ex.out;
        this.lease = proxy.budgets().bufferLease();
    }

    void start() {
        int status = ex.translation == null ? resp.statusCode()
                : ex.translation.status(resp.statusCode(), resp.getHeader("Content-Type"));
        if (status == EraBridge.Translation.TAKEN_OVER) {
            discard();
            return;
        }
        ex.upstreamStatus = resp.statusCode();
        proxy.refund(ex, RefundRule.afterStatus(resp.statusCode())); // a refusal of the request as such: the tool never ran
        long now = System.nanoTime();
        ex.upstreamMicros = (now - ex.upstreamSentNanos) / 1000;
        proxy.metrics().upstreamTime(ex.serverTag(), now - ex.upstreamSentNanos);
        if (!out.open()) {
            req.reset();
            return;
        }
        if (status == 401 || status == 403) {
            // The upstream's challenge names its own resource; relaying it would confuse the client.
            discard();
            proxy.upstreamFailed(ex, "auth_" + status, null);
            return;
        }
        if (status == 404 && ex.session != null) {
            discard();
            proxy.reply(ex, 404, JsonRpc.error(ex.message == null ? null : ex.message.id(), -32001, "Session not found"),
                    "session_not_found");
            return;
        }
        if (status >= 500) {
            discard();
            proxy.upstreamFailed(ex, "status_" + status, null);
            return;
        }
        String type = contentType();
        if (!mintSessionIfInitialized(status)) {
            return;
        }
        if (type.startsWith("text/event-stream")) {
            streamEvents(status);
        } else {
            collectBody(status, type);
        }
    }

    // ---- JSON (or any other bounded body) -------------------------------------------------------

    private void collectBody(int status, String type) {
        Buffer body = Buffer.buffer();
        int max = proxy.limits().maxUpstreamBodyBytes();
        resp.handler(chunk -> {
            boolean tooLarge = body.length() + chunk.length() > max;
            if (tooLarge || !lease.grow(chunk.length())) {
                lease.close();
                // First: the reset fails the response, and its handler runs at once (same event loop).
                proxy.upstreamFailed(ex, tooLarge ? "too_large" : "buffer_exhausted", null);
                req.reset();
                return;
            }
            body.appendBuffer(chunk);
        });
        resp.exceptionHandler(t -> {
            lease.close();
            proxy.upstreamFailed(ex, "reset", t);
        });
        resp.endHandler(v -> proxy.guarded(ex, () -> {
            try {
                answer(status, type, body);
            } finally {
                lease.close();
            }
        }));
    }

    private void answer(int status, String type, Buffer body) {
        if (!out.open()) {
            return;
        }
        Buffer payload = body;
        String payloadType = resp.getHeader("Content-Type");
        if (body.length() > 0 && !plainResult(body)) {
            boolean inspected = status / 100 == 2 && type.startsWith("application/json");
            UpstreamJson.Read read = UpstreamJson.read(body.getBytes());
            if (inspected && (read == null || read.message() == null)) {
                proxy.upstreamFailed(ex, "invalid_json", null);
                return;
            }
            boolean changed = inspected && inspect(read.message());
            switch (hideTools(proxy, ex, read, read == null ? body.toString() : null, status / 100 == 2)) {
                case REFUSE -> {
                    proxy.upstreamFailed(ex, "unreadable_tools", null);
                    return;
                }
                case REWRITE -> changed = true;
                case PASS -> { }
            }
            if (changed) {
                payload = Buffer.buffer(JsonRpc.bytes(read.tree()));
                payloadType = rewrittenType(payloadType);
            }
        }
        record();
        proxy.metrics().request(ex.serverTag(), ex.rpcMethod(), String.valueOf(status));
        out.answer(status, payloadType, payload);
    }

    /** A re-serialised body is UTF-8 JSON, whatever charset the upstream's bytes declared. */
    private static String rewrittenType(String upstreamType) {
        String media = upstreamType == null ? "application/json" : upstreamType.split(";", 2)[0].trim();
        return media.toLowerCase(Locale.ROOT).startsWith("text/") ? media + "; charset=utf-8" : media;
    }

    // ---- SSE ------------------------------------------------------------------------------------

    private void streamEvents(int status) {
        out.startEvents(status);
        SseParser parser = new SseParser(proxy.limits().maxUpstreamBodyBytes(), this::onEvent);
        resp.handler(chunk -> proxy.guarded(ex, () -> {
            if (!parser.feed(chunk.getBytes())) {
                finish("upstream event larger than " + proxy.limits().maxUpstreamBodyBytes() + " bytes"); // before the reset's failure
                req.reset();
            } else if (!lease.resize(parser.bufferedBytes())) {
                Budgets.Refusal r = proxy.budgets().buffersExhausted();
                proxy.budgets().countRefusal(ex.serverTag(), r);
                finish("the gateway holds as many answer bytes as it may (" + r.setting() + ")");
                req.reset();
            }
        }));
        resp.exceptionHandler(t -> finish("upstream stream failed: " + t.getClass().getSimpleName()));
        resp.endHandler(v -> finish(null));
        out.onClose(() -> {
            // The client went away: for modern requests that is the cancellation; either way stop reading.
            finish(null); // before the reset, whose failure would otherwise count as a broken stream
            req.reset();
        });
    }

    private void onEvent(SseEvent event) {
        if (finished || !out.open()) {
            return;
        }
        if (event.id() != null) {
            sawEventId = true;
        }
        SseEvent toSend = event;
        if (event.hasData() && !plainResult(JsonRpc.plainResult(event.data()))) {
            UpstreamJson.Read read = UpstreamJson.read(event.data());
            boolean answeredBefore = responded;
            boolean changed = read != null && read.message() != null && inspect(read.message());
            // Which event is the answer is known only once read: unreadable data is refused only when it may hold tools.
            switch (hideTools(proxy, ex, read, read == null ? event.data() : null, read != null)) {
                case REFUSE -> toSend = refused(event, answeredBefore);
                case REWRITE -> changed = true;
                case PASS -> { }
            }
            if (changed && toSend == event) {
                toSend = event.withData(read.tree().toString());
            }
        }
        if (toSend == null) {
            return;
        }
        out.event(toSend);
        if (event.hasData()) {
            ex.upstreamMessages++; // an answer after this one is not proof that the tool never ran
        }
        if (out.congested()) {
            resp.pause();
            out.onDrain(resp::resume);
        }
    }

    private void finish(String problem) {
        if (finished) {
            return;
        }
        finished = true;
        lease.close();
        proxy.metrics().request(ex.serverTag(), ex.rpcMethod(), problem == null ? String.valueOf(resp.statusCode()) : "stream_broken");
        record();
        if (!out.open()) {
            return;
        }
        // A request whose stream ended without its response, and without event ids to resume from,
        // would leave the client waiting forever: tell it instead.
        if (ex.message != null && ex.message.isRequest() && !responded && !sawEventId) {
            String why = problem != null ? problem : "upstream closed the stream before answering";
            out.event(SseEvent.message(JsonRpc.error(ex.message.id(), JsonRpc.INTERNAL_ERROR, "Upstream error: " + why)
                    .toString()));
        }
        out.end();
    }

    // ---- hooks ----------------------------------------------------------------------------------

    /**
     * The common answer, a successful result of a call other than tools/list, passes the hooks unchanged, so it is only
     * scanned (id and members), never parsed into a tree. True when that settled it; false: parse and {@link #inspect}.
     */
    private boolean plainResult(Buffer body) {
        if (ex.message != null && "tools/list".equals(ex.message.method())) {
            return false;
        }
        ByteBuf bytes = body.getByteBuf();
        JsonRpc.PlainResult plain = bytes.hasArray()
                ? JsonRpc.plainResult(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes())
                : JsonRpc.plainResult(body.getBytes(), 0, body.length());
        return plainResult(plain);
    }

    /** What {@link #inspect} does for a plain result: note that the request was answered; nothing to change. */
    private boolean plainResult(JsonRpc.PlainResult plain) {
        if (plain == null || ex.message != null && "tools/list".equals(ex.message.method())
                || ex.translation != null && ex.translation.rewritesResponses()) {
            return false;
        }
        if (ex.message != null && ex.message.isRequest() && ex.message.id().equals(plain.id())) {
            responded = true;
        }
        return true;
    }

    /** Policy hooks on one upstream message. Returns true when the message was changed. */
    private boolean inspect(JsonRpc.Message m) {
        if (ex.message == null || !ex.message.isRequest() || !m.isResponse() || !ex.message.id().equals(m.id())) {
            return false; // server-to-client requests and notifications pass unchanged today
        }
        responded = true;
        return responseHooks(proxy, ex, m.raw());
    }

    /**
     * What the gateway does to the answer of a client's request, wherever the answer came from (this relay, or a
     * bridged HTTP+SSE upstream's stream): refund when the error proves the call never ran ({@link RefundRule}),
     * unknown-tool wording, the translation back to the client's era. True when the message changed. Hidden tools are
     * removed after, by {@link #hideTools}.
     */
    static boolean responseHooks(McpProxy proxy, Exchange ex, ObjectNode raw) {
        boolean changed = false;
        if (raw.has("error")) {
            JsonNode code = raw.get("error").get("code");
            proxy.refund(ex, RefundRule.afterError(code != null && code.canConvertToInt() && code.isIntegralNumber()
                    ? code.intValue() : null, ex.upstreamMessages > 0));
            changed = Denials.normalizeUnknownTool(raw, ex.message);
        }
        if (ex.translation != null && ex.translation.response(raw)) {
            changed = true;
        }
        return changed;
    }

    /**
     * Hidden tools removed from whatever upstream text this is ({@link HiddenTools}): any {@code result.tools} of any
     * message, whichever request it answers. {@code unread} is the text when it was not JSON (else null);
     * {@code expectAnswer}: a tools/list's answer must be readable and have the expected shape.
     */
    static HiddenTools.Action hideTools(McpProxy proxy, Exchange ex, UpstreamJson.Read read, String unread,
                                        boolean expectAnswer) {
        boolean toolList = expectAnswer && ex.message != null && ex.message.isRequest()
                && "tools/list".equals(ex.message.method());
        HiddenTools.Action action = read == null ? HiddenTools.unreadable(unread, toolList)
                : HiddenTools.filter(read.tree(), read.exact(), toolList ? ex.message.id() : null,
                        m -> proxy.gate().filterToolList(m, ex.grant, ex.server, ex.snapshot));
        if (action == HiddenTools.Action.REFUSE) {
            proxy.metrics().upstreamError(ex.serverTag(), "unreadable_tools");
        }
        return action;
    }

    /**
     * An event that may carry a tool list the gateway cannot filter is never relayed. When the exchange is a tools/list
     * still waiting for its answer, the client gets an error in its place; otherwise the event is dropped.
     */
    private SseEvent refused(SseEvent event, boolean answeredBefore) {
        if (ex.message == null || !ex.message.isRequest() || answeredBefore || !"tools/list".equals(ex.message.method())) {
            return null;
        }
        responded = true;
        return event.withData(JsonRpc.error(ex.message.id(), JsonRpc.INTERNAL_ERROR,
                "Upstream error: the upstream's tools/list answer could not be read").toString());
    }

    /** False when the exchange was answered instead: the upstream's session id does not fit in the gateway's token. */
    private boolean mintSessionIfInitialized(int status) {
        if (status / 100 != 2 || ex.modern() || ex.message == null || !"initialize".equals(ex.message.method())) {
            return true;
        }
        JsonNode requested = ex.message.params() == null ? null : ex.message.params().get("protocolVersion");
        // Only a version the gateway knows is kept: the client chose this string, and it must fit in the token.
        String version = requested != null && requested.isTextual() && Protocol.KNOWN.contains(requested.asText())
                ? requested.asText() : Protocol.LEGACY_DEFAULT;
        try {
            // The token also keeps whether the client declared form elicitation (for Warden's approval prompts).
            out.sessionEstablished(ex.server.id(), ex.grant.id(), resp.getHeader(Protocol.H_SESSION),
                    ClientElicitation.markVersion(version, ex.message.params()));
            return true;
        } catch (IllegalArgumentException e) {
            discard();
            proxy.upstreamFailed(ex, "session_unsealable", e);
            return false;
        }
    }

    private void record() {
        if (ex.verdict != null) {
            proxy.recorder().record(ex, DecisionIds.next(), null);
            proxy.metrics().decision(ex.serverTag(), ex.rpcMethod(), "allow");
        }
    }

    private void discard() {
        resp.handler(b -> { });
        resp.exceptionHandler(t -> { });
    }

    private String contentType() {
        String t = resp.getHeader("Content-Type");
        return t == null ? "" : t.toLowerCase(Locale.ROOT).trim();
    }
}
