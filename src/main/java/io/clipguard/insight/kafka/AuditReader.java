package io.clipguard.insight.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Finds a content id's latest audit record: audit records are keyed by content id, so only the
 * partition Kafka's default partitioner puts that key in is read, from its start to its end
 * (read_committed). For tools ({@code explain}); a service answers from its decision store.
 */
public final class AuditReader {
    private AuditReader() {
    }

    public static Optional<AuditRecord> latest(KafkaClients clients, TopicRegistry topics, String contentId, Duration timeout) {
        String topic = topics.audit().name();
        byte[] key = contentId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            int partitions = consumer.partitionsFor(topic, timeout).size();
            TopicPartition tp = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            long deadline = System.nanoTime() + timeout.toNanos();
            AuditRecord latest = null;
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && Arrays.equals(r.key(), key)) {
                        latest = AvroSerde.AUDIT.deserializer().deserialize(topic, r.value());
                    }
                }
            }
            return Optional.ofNullable(latest);
        }
    }
}
