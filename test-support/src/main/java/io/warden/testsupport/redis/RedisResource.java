package io.warden.testsupport.redis;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(RedisResource.class)}: a private Redis for the test run. Config it sets:
 * {@code quarkus.redis.hosts} and {@code warden.test.redis-url} ({@code redis://127.0.0.1:<port>}).
 * A test field of type {@link RedisServer} is injected (to flush, stop or restart it).
 */
public class RedisResource implements QuarkusTestResourceLifecycleManager {
    private RedisServer redis;

    @Override
    public Map<String, String> start() {
        redis = RedisServer.launch();
        return Map.of("quarkus.redis.hosts", redis.uri(), "warden.test.redis-url", redis.uri());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(redis, new TestInjector.MatchesType(RedisServer.class));
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
        }
    }
}
