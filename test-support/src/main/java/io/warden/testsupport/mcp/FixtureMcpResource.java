package io.warden.testsupport.mcp;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(FixtureMcpResource.class)}: Warden's fixture MCP server for the test run. Config it
 * sets: {@code warden.test.fixture-url} ({@code http://127.0.0.1:<port>/mcp}), {@code warden.test.fixture-base-url}
 * and {@code warden.test.fixture-sse-url} (deprecated HTTP+SSE). A test field of type {@link NodeMcpServer} is
 * injected (call counters, last headers, stop/start).
 */
public class FixtureMcpResource implements QuarkusTestResourceLifecycleManager {
    private NodeMcpServer fixture;

    @Override
    public Map<String, String> start() {
        fixture = NodeMcpServer.fixture();
        return Map.of("warden.test.fixture-url", fixture.url(),
                "warden.test.fixture-base-url", fixture.baseUrl(),
                "warden.test.fixture-sse-url", fixture.sseUrl());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fixture, new TestInjector.MatchesType(NodeMcpServer.class));
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
