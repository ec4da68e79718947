package io.warden.testsupport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerIT {

    KafkaBroker kafka;

    @Test
    void producesAndConsumesARecord() throws Exception {
        KafkaResource resource = new KafkaResource();
        Map<String, String> config = resource.start();
        resource.inject((value, matches) -> kafka = (KafkaBroker) value);
        try {
            assertEquals(kafka.bootstrapServers(), config.get("kafka.bootstrap.servers"));
            kafka.createTopic("warden.decisions.test", 1);

            Properties producerProps = kafka.clientProperties();
            producerProps.put("key.serializer", StringSerializer.class.getName());
            producerProps.put("value.serializer", StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
                producer.send(new ProducerRecord<>("warden.decisions.test", "k1", "{\"decision\":\"allow\"}")).get();
            }

            Properties consumerProps = kafka.clientProperties();
            consumerProps.put("group.id", "test-support");
            consumerProps.put("auto.offset.reset", "earliest");
            consumerProps.put("key.deserializer", StringDeserializer.class.getName());
            consumerProps.put("value.deserializer", StringDeserializer.class.getName());
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
                consumer.subscribe(List.of("warden.decisions.test"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
            }
            assertEquals(1, received.size());
            assertEquals("k1", received.get(0).key());
            assertEquals("{\"decision\":\"allow\"}", received.get(0).value());
        } finally {
            resource.stop();
        }
    }
}
