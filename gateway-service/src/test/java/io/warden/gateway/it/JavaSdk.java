package io.warden.gateway.it;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

/** The official MCP Java SDK's client against the test gateway's {@code fixture} server. */
final class JavaSdk {

    private JavaSdk() {}

    /** A new client presenting {@code token}, initialized: a session of its own. */
    static McpSyncClient session(URI base, String token) {
        var transport = HttpClientStreamableHttpTransport.builder(base.toString())
                .endpoint("/mcp/fixture")
                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
                .build();
        McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build();
        c.initialize();
        return c;
    }

    /** The text of a tool result's first content. */
    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }
}
