package io.clipguard.stream;

import io.clipguard.policy.catalog.PolicyPublisher;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The policy topics on Kafka: writes catalog entries and their change record in one
 * transaction (a reader sees a publish whole or not at all), and reads the compacted
 * {@code moderation.policies} to its end for callers without a global store (the CLI, and
 * the start-up apply of policy files).
 */
public final class PolicyLog implements PolicyPublisher, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyLog.class.getName());

    private final TopicRegistry topics;
    private final KafkaProducer<String, byte[]> producer;

    public PolicyLog(String bootstrapServers, TopicRegistry topics, String writerId) {
        this.topics = topics;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "clipguard-policy-writer-" + writerId + "-" + UUID.randomUUID());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    @Override
    public synchronized void write(Map<String, PolicyEntry> entries, PolicyChange change) {
        producer.beginTransaction();
        try {
            for (Map.Entry<String, PolicyEntry> e : entries.entrySet()) {
                producer.send(new ProducerRecord<>(topics.policies().name(), e.getKey(), AvroSerde.POLICY_ENTRY.encode(e.getValue())));
            }
            producer.send(new ProducerRecord<>(topics.policyChanges().name(), change.getPolicyId(), AvroSerde.POLICY_CHANGE.encode(change)));
            producer.commitTransaction();
        } catch (KafkaException e) {
            producer.abortTransaction();
            throw e;
        }
    }

    /** Every entry of {@code moderation.policies}, read (committed records only) to the end of the log. */
    public static Map<String, PolicyEntry> readAll(String bootstrapServers, TopicRegistry topics, Duration timeout) {
        Map<String, PolicyEntry> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readTopic(bootstrapServers, topics.policies().name(), timeout)) {
            if (r.value() == null) {
                out.remove(r.key());
                continue;
            }
            try {
                out.put(r.key(), AvroSerde.POLICY_ENTRY.decode(r.value()));
            } catch (IOException | RuntimeException e) {
                LOG.warning("skipping unreadable policy record " + r.key() + " at offset " + r.offset() + ": " + e);
            }
        }
        return out;
    }

    /** Every committed record of a topic, from the beginning to the end offsets seen at the start. */
    static List<ConsumerRecord<String, byte[]>> readTopic(String bootstrapServers, String topic, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            List<ConsumerRecord<String, byte[]>> out = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
