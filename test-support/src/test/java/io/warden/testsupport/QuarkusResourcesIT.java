package io.warden.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.testsupport.mcp.EverythingMcpResource;
import io.warden.testsupport.mcp.FixtureMcpResource;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.RawMcpClient;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import io.warden.testsupport.redis.RedisResource;
import io.warden.testsupport.redis.RedisServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager.TestInjector;
import java.lang.reflect.Field;
import java.sql.DriverManager;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The Quarkus test resources, driven the way Quarkus drives them: init, start, inject, stop. */
class QuarkusResourcesIT {
    RedisServer redis;
    PostgresServer postgres;
    NodeMcpServer mcp;

    private final TestInjector injector = (Object value, Predicate<Field> matches) -> {
        for (Field f : QuarkusResourcesIT.class.getDeclaredFields()) {
            if (matches.test(f)) {
                try {
                    f.set(this, value);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
    };

    @Test
    void redisResourceSetsTheRedisHostsAndInjectsTheServer() {
        RedisResource resource = new RedisResource();
        Map<String, String> config = resource.start();
        try {
            resource.inject(injector);
            assertNotNull(redis);
            assertEquals(redis.uri(), config.get("quarkus.redis.hosts"));
            assertEquals(redis.uri(), config.get("warden.test.redis-url"));
            assertTrue(redis.answersPing());
        } finally {
            resource.stop();
        }
    }

    @Test
    void postgresResourceCreatesTheDatabaseAndSetsReactiveOnly() throws Exception {
        PostgresResource resource = new PostgresResource();
        resource.init(Map.of("database", "audit", "datasource", "reactive"));
        Map<String, String> config = resource.start();
        try {
            resource.inject(injector);
            assertNotNull(postgres);
            assertEquals(postgres.reactiveUrl("audit"), config.get("quarkus.datasource.reactive.url"));
            assertTrue(!config.containsKey("quarkus.datasource.jdbc.url"));
            try (var c = DriverManager.getConnection(config.get("warden.test.postgres-jdbc-url"), "postgres", "x")) {
                assertEquals("audit", c.getCatalog());
            }
        } finally {
            resource.stop();
        }
    }

    @Test
    void mcpResourcesPublishTheirUrls() {
        FixtureMcpResource fixture = new FixtureMcpResource();
        EverythingMcpResource everything = new EverythingMcpResource();
        try {
            Map<String, String> config = fixture.start();
            fixture.inject(injector);
            assertEquals(mcp.url(), config.get("warden.test.fixture-url"));
            assertEquals(mcp.baseUrl() + "/sse", config.get("warden.test.fixture-sse-url"));
            String url = everything.start().get("warden.test.everything-url");
            assertEquals(200, new RawMcpClient(url).initialize("2025-11-25").status());
        } finally {
            fixture.stop();
            everything.stop();
        }
    }
}
