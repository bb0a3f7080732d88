package io.clipguard.stream;

import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;

/**
 * ClipGuard's topics. Uploads are read as raw bytes so that the processor, not a
 * deserializer, turns bad input into dead letters. Keys are contentIds everywhere.
 */
public record TopicRegistry(Topic<byte[], byte[]> uploaded, Topic<String, ModerationDecision> decisions,
                            Topic<String, AuditRecord> audit, Topic<String, EmbeddingRecord> embeddings,
                            Topic<String, DeadLetter> deadLetters) {

    public static final int DEFAULT_PARTITIONS = 6;

    public static TopicRegistry defaults() {
        return named("images.uploaded", "moderation.decisions", "moderation.audit", "moderation.embeddings",
                "moderation.dlq", DEFAULT_PARTITIONS);
    }

    public static TopicRegistry named(String uploaded, String decisions, String audit, String embeddings, String dlq, int partitions) {
        return new TopicRegistry(
                new Topic<>(uploaded, Serdes.ByteArray(), Serdes.ByteArray(), partitions, Map.of()),
                new Topic<>(decisions, Serdes.String(), AvroSerde.DECISION, partitions, Map.of()),
                new Topic<>(audit, Serdes.String(), AvroSerde.AUDIT, partitions, Map.of()),
                new Topic<>(embeddings, Serdes.String(), AvroSerde.EMBEDDING, partitions, Map.of("cleanup.policy", "compact")),
                new Topic<>(dlq, Serdes.String(), AvroSerde.DEAD_LETTER, partitions, Map.of()));
    }

    public List<Topic<?, ?>> all() {
        return List.of(uploaded, decisions, audit, embeddings, deadLetters);
    }
}
