package io.clipguard.moderation.kafka;

import io.clipguard.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads uploads again by position. The processor's pending store keeps only the offsets of
 * uploads it is working on, not their images; after a restart or a rebalance it reads those
 * records again from the uploads topic (committed records only) and finishes them.
 */
@FunctionalInterface
public interface SourceReader {
    /** The records at these offsets of one partition; an offset no longer on the topic is absent. */
    Map<Long, ConsumerRecord<byte[], byte[]>> read(String topic, int partition, SortedSet<Long> offsets);

    /** The record at one offset, if it is still on the topic. */
    default Optional<ConsumerRecord<byte[], byte[]>> one(String topic, int partition, long offset) {
        return Optional.ofNullable(read(topic, partition, new TreeSet<>(Set.of(offset))).get(offset));
    }

    static SourceReader kafka(KafkaClients clients) {
        return (topic, partition, offsets) -> {
            Map<Long, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
            TopicPartition tp = new TopicPartition(topic, partition);
            try (KafkaConsumer<byte[], byte[]> consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                consumer.assign(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                consumer.seek(tp, offsets.first());
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (consumer.position(tp) <= offsets.last() && consumer.position(tp) < end && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (offsets.contains(r.offset())) {
                            found.put(r.offset(), r);
                        }
                    }
                }
            }
            return found;
        };
    }
}
