package io.warden.gateway.ratelimit;

import java.util.Set;

/**
 * When a call's rate-limit tokens go back: only when the call provably never reached the tool. Pure; the proxy's edges
 * (relay, era bridge, HTTP+SSE bridges) describe what happened and apply the answer.
 *
 * <p>Proof is one of: the call never left the gateway (a step before it failed), no connection to the upstream could be
 * made, the request could not be written, the upstream rejected the request as such with one of {@link #REJECTING_STATUSES},
 * or its answer to the call is a JSON-RPC error with one of {@link #NOT_EXECUTED_CODES} and nothing came before it. Anything
 * else keeps the tokens: a client that went away (MCP does not make a disconnect a cancellation, and the tool may run
 * to the end anyway), a timeout, a 5xx, a cut stream, an oversized or unreadable answer, a 429, any other error code, and
 * of course a tool result with {@code isError}: in all of these the tool may have run.
 */
public final class RefundRule {

    /**
     * HTTP statuses with which an upstream refuses a request before handling it: its syntax, credentials, target, method,
     * media types or size. 429 is not one: the tool did not run, but the limit also spares an upstream that asked for less
     * traffic, so the tokens come back with time, not at once. 409, 412 and the rest may follow partial work.
     */
    public static final Set<Integer> REJECTING_STATUSES = Set.of(400, 401, 403, 404, 405, 406, 408, 410, 411, 413, 414,
            415, 422, 431);

    /**
     * JSON-RPC errors raised before a method runs: parse error, invalid request, method not found, invalid params (the
     * MCP SDKs' unknown tool and failed argument validation). Not -32603 nor any server-defined code: those may come
     * from inside a tool, after part of its work.
     */
    public static final Set<Integer> NOT_EXECUTED_CODES = Set.of(-32700, -32600, -32601, -32602);

    /** The proxy's failure cause when no connection to the upstream could be made. */
    public static final String UNREACHABLE = "unreachable";
    /** The proxy's failure cause when writing the request failed. */
    public static final String NOT_WRITTEN_CAUSE = "not_written";

    /** Why tokens went back; the wire names are those of the decision event's {@code refund.reason}. */
    public enum Reason {
        /** The call never left the gateway: an era probe, a bridged session or a bridge refusal failed before it. */
        NOT_SENT("not_sent"),
        /** No connection to the upstream could be established (refused, unresolvable, connect timeout). */
        CONNECT_FAILED("connect_failed"),
        /** The connection failed while the request was being written, so the upstream never had the whole request. */
        NOT_WRITTEN("not_written"),
        /** The upstream refused the request with a status of {@link #REJECTING_STATUSES}. */
        HTTP_STATUS("http_status"),
        /** The upstream answered the call with an error of {@link #NOT_EXECUTED_CODES}. */
        JSONRPC_ERROR("jsonrpc_error");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** A refund and why; {@code code} is the HTTP status or JSON-RPC error code it rests on, else null. */
    public record Refund(Reason reason, Integer code) {}

    private RefundRule() {
    }

    /**
     * An upstream failure the proxy answers with an error. {@code dispatched}: the call itself may have been written to
     * the upstream (false while the gateway was still probing, opening a session or a stream). {@code cause}: the proxy's
     * failure cause ({@code unreachable}, {@code not_written}, {@code timeout}, {@code reset}, {@code too_large},
     * {@code invalid_json}, {@code auth_401}, {@code status_502}, ...). Null: keep the tokens.
     */
    public static Refund afterFailure(boolean dispatched, String cause) {
        if (UNREACHABLE.equals(cause)) {
            return new Refund(Reason.CONNECT_FAILED, null);
        }
        if (!dispatched) {
            return new Refund(Reason.NOT_SENT, null);
        }
        if (NOT_WRITTEN_CAUSE.equals(cause)) {
            return new Refund(Reason.NOT_WRITTEN, null);
        }
        int status = statusOf(cause);
        return status > 0 ? afterStatus(status) : null;
    }

    /** The upstream answered the call with HTTP {@code status}, before any of the answer was relayed. Null: keep. */
    public static Refund afterStatus(int status) {
        return REJECTING_STATUSES.contains(status) ? new Refund(Reason.HTTP_STATUS, status) : null;
    }

    /**
     * The upstream's answer to the call is a JSON-RPC error with {@code code} (null when absent or not an integer).
     * {@code afterOtherMessages}: the upstream had already sent messages about this call (progress, logging, a request
     * to the client), so the tool had started. Null: keep.
     */
    public static Refund afterError(Integer code, boolean afterOtherMessages) {
        return code != null && !afterOtherMessages && NOT_EXECUTED_CODES.contains(code)
                ? new Refund(Reason.JSONRPC_ERROR, code) : null;
    }

    /** The status in {@code auth_401} or {@code status_404}; 0 for other causes. */
    private static int statusOf(String cause) {
        if (cause == null) {
            return 0;
        }
        String digits = cause.startsWith("status_") ? cause.substring(7) : cause.startsWith("auth_") ? cause.substring(5) : "";
        if (digits.length() != 3) {
            return 0;
        }
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
