package io.clipguard.moderation.kafka;

import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.kafka.TopicRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Dead letters written outside the stream's transaction, for the one place that cannot
 * forward: {@link OversizeHandler}, which Kafka Streams calls after the broker refused an
 * output. Idempotent, every send checked.
 */
public final class DeadLetterChannel implements OversizeHandler.Sink, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DeadLetterChannel.class.getName());

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final OutputLimits limits;

    public DeadLetterChannel(KafkaClients clients, String topic, OutputLimits limits) {
        this.producer = new KafkaProducer<>(clients.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_RECORD_BYTES)),
                new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.limits = limits;
    }

    @Override
    public void send(DeadLetters.Letter letter, Headers refused) {
        byte[] value = DeadLetters.encodeToFit(letter, limits.room(topic));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, letter.key(), value);
        for (String name : new String[] {SourceHeader.NAME, SourceHeader.ORIGIN}) {
            SourceHeader.read(refused, name).ifPresent(p -> SourceHeader.write(record.headers(), name, p));
        }
        producer.send(record, (meta, error) -> {
            if (error != null) {
                LOG.severe("dead letter for " + letter.key() + " could not be written: " + error);
            }
        });
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
