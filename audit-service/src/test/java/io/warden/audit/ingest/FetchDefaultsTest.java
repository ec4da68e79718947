package io.warden.audit.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

/** The consumer waits for fuller fetches by default, and an operator's {@code warden.audit.ingest.kafka.*} still wins. */
class FetchDefaultsTest {

    @Test
    void fetchesWaitForABatchByDefault() {
        Properties common = new Properties();
        common.put("bootstrap.servers", "127.0.0.1:9");
        Properties p = DecisionConsumer.withFetchDefaults(common);
        assertEquals("65536", p.get(ConsumerConfig.FETCH_MIN_BYTES_CONFIG));
        assertEquals("250", p.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
        assertEquals("127.0.0.1:9", p.get("bootstrap.servers"));
    }

    @Test
    void operatorSettingsOverrideTheDefaults() {
        Properties common = new Properties();
        common.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
        common.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        Properties p = DecisionConsumer.withFetchDefaults(common);
        assertEquals("1", p.get(ConsumerConfig.FETCH_MIN_BYTES_CONFIG));
        assertEquals("10", p.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
    }
}
