package io.warden.gateway.it;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;

/** Raw MCP requests for tests that need exact control of headers and bodies. */
final class Mcp {

    static final String ACCEPT = "application/json, text/event-stream";
    static final String MODERN = "2026-07-28";

    private Mcp() {}

    static RequestSpecification client(String token) {
        RequestSpecification spec = given().contentType("application/json").accept(ACCEPT);
        return token == null ? spec : spec.header("Authorization", "Bearer " + token);
    }

    static String initialize(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"warden-it\",\"version\":\"1\"}}}";
    }

    /** A 2026-07-28 tools/call; pair it with {@link #modernHeaders}. */
    static String modernCall(int id, String tool, String argsJson) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + argsJson + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + MODERN
                + "\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    }

    static RequestSpecification modernHeaders(RequestSpecification spec, String method, String name) {
        spec = spec.header("MCP-Protocol-Version", MODERN).header("Mcp-Method", method);
        return name == null ? spec : spec.header("Mcp-Name", name);
    }

    static String legacyCall(int id, String tool, String argsJson) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + argsJson + "}}";
    }
}
