package io.clipguard.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Follows a topic as a read_committed consumer sees it ({@code clipguard tail}), each record as
 * a JSON-ready map: key, partition, offset, and the value decoded when the topic holds one of
 * ClipGuard's Avro records (base64 otherwise).
 */
public final class TopicFollower {
    private TopicFollower() {
    }

    /**
     * Hands each record of {@code name} to {@code line} until {@code max} records (0: no limit)
     * or {@code idle} without a record (zero: no limit).
     */
    public static void follow(KafkaClients clients, TopicRegistry topics, String name, boolean fromBeginning, int max, Duration idle,
                              Consumer<Map<String, Object>> line) {
        Topic<?, ?> known = topics.all().stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
        int seen = 0;
        long lastRecord = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.newConsumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "clipguard-tail-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.subscribe(List.of(name));
            while (max == 0 || seen < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
                    out.put("partition", r.partition());
                    out.put("offset", r.offset());
                    out.put("value", decode(known, known == topics.uploaded(), r.value()));
                    line.accept(out);
                    lastRecord = System.nanoTime();
                    if (++seen == max) {
                        break;
                    }
                }
                if (!idle.isZero() && System.nanoTime() - lastRecord > idle.toNanos()) {
                    break;
                }
            }
        }
    }

    /** The value as JSON when the topic holds Avro records of ClipGuard's, else base64. */
    private static Object decode(Topic<?, ?> topic, boolean uploads, byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            if (topic != null && topic.valueSerde() instanceof AvroSerde<?> avro) {
                return AvroJson.toMap((IndexedRecord) avro.decode(value));
            }
            if (uploads) {
                // The uploads topic carries raw bytes by design (the processor decodes them): show them as an upload when they are one.
                return AvroJson.toMap(AvroSerde.IMAGE_UPLOADED.decode(value));
            }
            return Base64.getEncoder().encodeToString(value);
        } catch (Exception e) {
            return Map.of("undecodable", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
