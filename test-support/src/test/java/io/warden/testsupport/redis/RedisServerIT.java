package io.warden.testsupport.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedisServerIT {

    @Test
    void startsOnAFreePortAndAnswersRespCommands() {
        try (RedisServer redis = RedisServer.launch()) {
            assertNotEquals(6379, redis.port());
            assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
            assertEquals("PONG", redis.command("PING"));
            assertEquals("OK", redis.command("SET", "warden:k", "v1"));
            assertEquals("v1", redis.command("GET", "warden:k"));
            assertEquals(2L, redis.command("INCRBY", "warden:n", "2"));
            assertFalse(redis.version().isBlank());
        }
    }

    @Test
    void stopsAndComesBackOnTheSamePortWithoutData() {
        try (RedisServer redis = RedisServer.launch()) {
            int port = redis.port();
            redis.command("SET", "warden:k", "v1");
            redis.stop();
            assertFalse(redis.answersPing());
            redis.start();
            assertEquals(port, redis.port());
            assertTrue(redis.answersPing());
            assertNull(redis.command("GET", "warden:k"), "no persistence: the data set starts empty");
        }
    }

    @Test
    void embeddedFallbackAlsoWorks() {
        String previous = System.getProperty("warden.redis.mode");
        System.setProperty("warden.redis.mode", "embedded");
        try (RedisServer redis = RedisServer.launch()) {
            assertTrue(redis.isEmbedded());
            assertEquals("OK", redis.command("SET", "a", "b"));
            assertEquals("b", redis.command("GET", "a"));
        } finally {
            if (previous == null) {
                System.clearProperty("warden.redis.mode");
            } else {
                System.setProperty("warden.redis.mode", previous);
            }
        }
    }
}
