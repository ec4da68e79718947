package io.warden.testsupport.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(KafkaResource.class)}: an in-process KRaft broker for the test run (needs the
 * Kafka test-kit dependencies, see {@link KafkaBroker}). Config it sets: {@code kafka.bootstrap.servers} and
 * {@code warden.test.kafka-bootstrap-servers}. A test field of type {@link KafkaBroker} is injected.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {
    private KafkaBroker kafka;

    @Override
    public Map<String, String> start() {
        kafka = KafkaBroker.launch();
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "warden.test.kafka-bootstrap-servers", kafka.bootstrapServers());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(kafka, new TestInjector.MatchesType(KafkaBroker.class));
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
