package io.warden.gateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warden.gateway.ratelimit.RefundRule.Refund;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The refund rule as a table: what happened to a call, and whether its tokens come back (and why). */
class RefundRuleTest {

    private static String show(Refund r) {
        return r == null ? "keep" : r.reason().wire() + (r.code() == null ? "" : ":" + r.code());
    }

    @ParameterizedTest(name = "dispatched={0} cause={1} -> {2}")
    @CsvSource({
            // Before the call left the gateway: whatever failed, the tool cannot have run.
            "false, timeout,          not_sent",
            "false, status_502,       not_sent",
            "false, reset,            not_sent",
            "false, unreachable,      connect_failed", // an era probe or a bridged session could not connect either
            "false, era_unsupported,  not_sent",
            // Connection-level proof.
            "true,  unreachable,      connect_failed",
            "true,  not_written,      not_written",
            // The upstream may have run it: keep.
            "true,  reset,            keep",           // client disconnect (the gateway resets the upstream request), or a drop
            "true,  timeout,          keep",
            "true,  too_large,        keep",
            "true,  invalid_json,     keep",
            "true,  status_500,       keep",
            "true,  status_502,       keep",
            "true,  status_503,       keep",
            "true,  status_504,       keep",
            "true,  status_429,       keep",
            "true,  status_409,       keep",
            "true,  streams_exhausted, keep",
            "true,  status_x4,        keep",
            "true,  status_4040,      keep",
            // Refusals of the request as such.
            "true,  auth_401,         http_status:401",
            "true,  auth_403,         http_status:403",
            "true,  status_400,       http_status:400",
            "true,  status_404,       http_status:404",
            "true,  status_405,       http_status:405",
            "true,  status_406,       http_status:406",
            "true,  status_413,       http_status:413",
            "true,  status_415,       http_status:415",
    })
    void afterFailure(boolean dispatched, String cause, String expected) {
        assertEquals(expected, show(RefundRule.afterFailure(dispatched, cause)));
    }

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({
            "200, keep", "202, keep", "204, keep", "301, keep",
            "400, http_status:400", "401, http_status:401", "403, http_status:403", "404, http_status:404",
            "405, http_status:405", "406, http_status:406", "408, http_status:408", "410, http_status:410",
            "411, http_status:411", "413, http_status:413", "414, http_status:414", "415, http_status:415",
            "422, http_status:422", "431, http_status:431",
            "409, keep", "412, keep", "418, keep", "429, keep", "451, keep",
            "500, keep", "501, keep", "502, keep", "503, keep", "504, keep"
    })
    void afterStatus(int status, String expected) {
        assertEquals(expected, show(RefundRule.afterStatus(status)));
    }

    @ParameterizedTest(name = "error {0}, after other messages {1} -> {2}")
    @CsvSource({
            "-32700, false, jsonrpc_error:-32700",
            "-32600, false, jsonrpc_error:-32600",
            "-32601, false, jsonrpc_error:-32601",
            "-32602, false, jsonrpc_error:-32602",
            // After progress or logging for this call, the tool had started.
            "-32602, true,  keep",
            "-32601, true,  keep",
            // Errors that may come from inside a tool.
            "-32603, false, keep",
            "-32000, false, keep",
            "-32001, false, keep",
            "-32020, false, keep",
            "-32021, false, keep",
            "-32800, false, keep",
            "1,      false, keep",
            "0,      false, keep",
    })
    void afterError(int code, boolean afterOtherMessages, String expected) {
        assertEquals(expected, show(RefundRule.afterError(code, afterOtherMessages)));
    }

    @Test
    void anErrorWithoutAnIntegerCodeKeeps() {
        assertEquals("keep", show(RefundRule.afterError(null, false)));
        assertEquals("keep", show(RefundRule.afterFailure(true, null)));
    }
}
