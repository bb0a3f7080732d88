package io.clipguard.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic, or each partition's tail, up to the end offsets seen when it starts
 * (committed records only): the one-off reads of policies, changes, shadow decisions and
 * stored embeddings, which need no consumer group.
 */
public final class TopicReader {
    private static final Logger LOG = Logger.getLogger(TopicReader.class.getName());

    /** Where to start reading a partition, given its first offset and its end offset. */
    @FunctionalInterface
    public interface Start {
        long offset(long begin, long end);
    }

    public static final Start FROM_BEGINNING = (begin, end) -> begin;

    private TopicReader() {
    }

    /** Passes each record before the end offsets to {@code sink}; {@code progress} is told the count read after each poll. */
    public static void read(KafkaClients clients, String topic, Start start, Consumer<ConsumerRecord<String, byte[]>> sink,
                     LongConsumer progress, Duration timeout) {
        Map<String, Object> p = clients.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, start.offset(begin.get(tp), end.get(tp)));
            }
            long read = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        sink.accept(r);
                    }
                }
                progress.accept(read);
            }
        }
    }

    /** Every value of a topic decoded with {@code serde}, oldest first per partition; unreadable ones are logged and skipped. */
    public static <T> List<T> values(KafkaClients clients, String topic, AvroSerde<T> serde, Duration timeout) {
        List<T> out = new ArrayList<>();
        read(clients, topic, FROM_BEGINNING, r -> {
            T value = decode(serde, r);
            if (value != null) {
                out.add(value);
            }
        }, n -> { }, timeout);
        return out;
    }

    /** The record's value, or null (logged) when it is a tombstone or cannot be decoded. */
    public static <T> T decode(AvroSerde<T> serde, ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            return serde.decode(r.value());
        } catch (Exception e) {
            LOG.warning("skipping unreadable record " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e);
            return null;
        }
    }
}
