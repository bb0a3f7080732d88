package io.clipguard.testing;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ModerationDecision;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces raw records and reads ClipGuard's outputs as a read_committed consumer would. */
public final class KafkaIO {
    private KafkaIO() {
    }

    public static void produce(String bootstrap, String topic, List<byte[][]> keyValues) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_UPLOAD_BYTES);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[][] kv : keyValues) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, kv[0], kv[1]);
                // Any further pairs are headers: name, value.
                for (int h = 2; h + 1 < kv.length; h += 2) {
                    record.headers().add(new String(kv[h], StandardCharsets.UTF_8), kv[h + 1]);
                }
                sent.add(producer.send(record));
            }
            producer.flush();
        }
        // A test input that never reached the broker would look like a lost record: fail here instead.
        for (java.util.concurrent.Future<?> f : sent) {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException("produce failed: " + e, e);
            }
        }
    }

    public static byte[][] record(String key, byte[] value) {
        return new byte[][] {key == null ? null : key.getBytes(StandardCharsets.UTF_8), value};
    }

    /** A read_committed consumer of the decision and dead-letter topics, from their beginning. */
    public static org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> tailOutputs(String bootstrap, TopicRegistry topics) {
        org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = io.clipguard.kafka.KafkaClients.of(bootstrap)
                .newConsumer(Map.of("isolation.level", "read_committed"));
        List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.decisions().name(), topics.deadLetters().name())) {
            c.partitionsFor(t).forEach(p -> partitions.add(new org.apache.kafka.common.TopicPartition(t, p.partition())));
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return c;
    }

    /** A record with one header. */
    public static byte[][] record(String key, byte[] value, String header, byte[] headerValue) {
        return new byte[][] {key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, header.getBytes(StandardCharsets.UTF_8), headerValue};
    }

    /** What a read_committed consumer sees on the decision and dead-letter topics. */
    public record Outputs(Map<String, List<ModerationDecision>> decisions, Map<String, List<DeadLetter>> deadLetters,
                          int auditCount, int embeddingCount) {
        public int total() {
            return decisions.values().stream().mapToInt(List::size).sum() + deadLetters.values().stream().mapToInt(List::size).sum();
        }

        /** Keys that got anything other than exactly one output. */
        public List<String> notExactlyOnce(List<String> keys) {
            List<String> bad = new ArrayList<>();
            for (String k : keys) {
                int n = decisions.getOrDefault(k, List.of()).size() + deadLetters.getOrDefault(k, List.of()).size();
                if (n != 1) {
                    bad.add(k + "=" + n);
                }
            }
            return bad;
        }
    }

    /** Reads from the beginning until {@code expected} outputs arrived or the timeout passed, then a little longer to catch duplicates. */
    public static Outputs readOutputs(String bootstrap, TopicRegistry topics, int expected, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<ModerationDecision>> decisions = new HashMap<>();
        Map<String, List<DeadLetter>> letters = new HashMap<>();
        int audit = 0;
        int embeddings = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.decisions().name(), topics.deadLetters().name(), topics.audit().name(), topics.embeddings().name()));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.topic().equals(topics.decisions().name())) {
                        decisions.computeIfAbsent(key, k -> new ArrayList<>()).add(AvroSerde.DECISION.deserializer().deserialize(r.topic(), r.value()));
                    } else if (r.topic().equals(topics.deadLetters().name())) {
                        letters.computeIfAbsent(key, k -> new ArrayList<>()).add(AvroSerde.DEAD_LETTER.deserializer().deserialize(r.topic(), r.value()));
                    } else if (r.topic().equals(topics.audit().name())) {
                        audit++;
                    } else {
                        embeddings++;
                    }
                }
                int seen = decisions.values().stream().mapToInt(List::size).sum() + letters.values().stream().mapToInt(List::size).sum();
                if (seen >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        return new Outputs(decisions, letters, audit, embeddings);
    }
}
