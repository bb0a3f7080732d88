package io.clipguard.moderation.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.ImageUploaded;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes upload events as an upload service does ({@code clipguard produce}): keyed by
 * contentId, Avro single-object encoded, each acknowledged by every in-sync replica before the
 * next. A refused login is {@code KAFKA_AUTH_FAILED}; any other refusal {@code SEND_FAILED}.
 */
public final class UploadSender implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public UploadSender(KafkaClients clients, String topic) {
        this.producer = clients.newProducer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_UPLOAD_BYTES));
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    /** Sends {@code event} and waits until the broker has it. */
    public void send(ImageUploaded event) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(topic, event.getContentId().getBytes(StandardCharsets.UTF_8),
                    AvroSerde.IMAGE_UPLOADED.encode(event))).get();
        } catch (ExecutionException e) {
            if (KafkaErrors.isAuthFailure(e)) {
                throw KafkaErrors.translate(e);
            }
            throw new ClipGuardException(ErrorCode.SEND_FAILED, event.getContentId() + ": " + e.getCause().getMessage());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
