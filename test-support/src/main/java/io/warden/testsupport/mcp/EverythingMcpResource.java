package io.warden.testsupport.mcp;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(EverythingMcpResource.class)}: {@code @modelcontextprotocol/server-everything}
 * over Streamable HTTP for the test run. Config it sets: {@code warden.test.everything-url}
 * ({@code http://127.0.0.1:<port>/mcp}). Field injection is by type {@link NodeMcpServer}, so do not combine
 * it with {@link FixtureMcpResource} in one test class if you rely on injection; read the URL from config.
 */
public class EverythingMcpResource implements QuarkusTestResourceLifecycleManager {
    private NodeMcpServer everything;

    @Override
    public Map<String, String> start() {
        everything = NodeMcpServer.everything();
        return Map.of("warden.test.everything-url", everything.url());
    }

    @Override
    public void stop() {
        if (everything != null) {
            everything.close();
        }
    }
}
