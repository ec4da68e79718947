package io.warden.audit.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Copies records that are not storable decisions to the dead-letter topic, unchanged (key, value, headers), with
 * {@code warden.dlq.*} headers saying where they came from and why. {@link #send} returns once Kafka has acknowledged
 * every copy ({@code acks=all}, idempotent), so the source offsets may then be committed.
 */
final class DeadLetters implements AutoCloseable {

    static final String CAUSE = "warden.dlq.cause";
    static final String DETAIL = "warden.dlq.detail";
    static final String TOPIC = "warden.dlq.topic";
    static final String PARTITION = "warden.dlq.partition";
    static final String OFFSET = "warden.dlq.offset";

    /** One record to copy and why. */
    record Letter(ConsumerRecord<byte[], byte[]> record, EventParser.Cause cause, String detail) {
    }

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final long timeoutMillis;

    DeadLetters(String topic, Properties common, long timeoutMillis) {
        this.topic = topic;
        this.timeoutMillis = timeoutMillis;
        Properties props = new Properties();
        props.putAll(common);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeoutMillis));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMillis));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMillis * 2));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
    }

    /** Sends all letters and waits for every acknowledgement; throws when any is not acknowledged. */
    void send(List<Letter> letters) throws DeadLetterException {
        if (letters.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(letters.size());
        try {
            for (Letter letter : letters) {
                sent.add(producer.send(copy(letter)));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get(timeoutMillis * 2, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeadLetterException(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new DeadLetterException(e);
        }
    }

    private ProducerRecord<byte[], byte[]> copy(Letter letter) {
        ConsumerRecord<byte[], byte[]> source = letter.record();
        ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(topic, null, source.key(), source.value());
        for (Header header : source.headers()) {
            copy.headers().add(header);
        }
        copy.headers().add(CAUSE, bytes(letter.cause().tag()))
                .add(DETAIL, bytes(letter.detail()))
                .add(TOPIC, bytes(source.topic()))
                .add(PARTITION, bytes(String.valueOf(source.partition())))
                .add(OFFSET, bytes(String.valueOf(source.offset())));
        return copy;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

    /** The dead-letter topic did not acknowledge: the batch is retried later, its offsets stay uncommitted. */
    static final class DeadLetterException extends Exception {
        DeadLetterException(Throwable cause) {
            super("dead-letter topic unavailable: " + cause, cause);
        }
    }
}
