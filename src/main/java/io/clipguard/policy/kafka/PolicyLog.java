package io.clipguard.policy.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.TopicReader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.policy.Policy;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.catalog.PolicyPublisher;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The policy topics on Kafka: writes catalog entries and their change record in one
 * transaction (a reader sees a publish whole or not at all), and reads the compacted
 * {@code moderation.policies} to its end for callers without a global store (the CLI, and
 * the start-up apply of policy files).
 */
public final class PolicyLog implements PolicyPublisher, AutoCloseable {
    /** Transactional ids of policy writers start with this (the ACL a policy writer needs: a prefixed TransactionalId). */
    public static final String TRANSACTIONAL_ID_PREFIX = "clipguard-policy-writer-";

    private final KafkaClients clients;
    private final TopicRegistry topics;
    private final KafkaProducer<String, byte[]> producer;

    public PolicyLog(KafkaClients clients, TopicRegistry topics, String writerId) {
        this.clients = clients;
        this.topics = topics;
        this.producer = new KafkaProducer<>(clients.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID_PREFIX + writerId + "-" + UUID.randomUUID(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0)), new StringSerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw KafkaErrors.translate(e);
        }
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
    public static Map<String, PolicyEntry> readAll(KafkaClients clients, TopicRegistry topics, Duration timeout) {
        Map<String, PolicyEntry> out = new HashMap<>();
        TopicReader.read(clients, topics.policies().name(), TopicReader.FROM_BEGINNING, r -> {
            PolicyEntry entry = TopicReader.decode(AvroSerde.POLICY_ENTRY, r);
            if (r.value() == null) {
                out.remove(r.key());
            } else if (entry != null) {
                out.put(r.key(), entry);
            }
        }, n -> { }, timeout);
        return out;
    }

    /**
     * A writer for callers without a global store (start-up, the CLI): the topic is read
     * once, then the snapshot is kept current with this log's own writes, so a series of
     * commands reads the log once. It does not wait for visibility.
     */
    public PolicyWriter offlineWriter(Consumer<Policy> activationCheck, boolean twoPersonRule, boolean filesRule, Duration timeout) {
        Map<String, PolicyEntry> seen = readAll(clients, topics, timeout);
        PolicyPublisher tracking = (entries, change) -> {
            write(entries, change);
            seen.putAll(entries);
        };
        return new PolicyWriter(tracking, () -> PolicyCatalog.of(seen), activationCheck, twoPersonRule, filesRule, Clock.systemUTC(), Duration.ZERO);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
