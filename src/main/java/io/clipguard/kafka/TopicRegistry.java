package io.clipguard.kafka;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.moderation.kafka.DeadLetterReplay;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BankEntry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.ShadowDecision;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;

/**
 * ClipGuard's topics. Uploads are read as raw bytes so that the processor, not a
 * deserializer, turns bad input into dead letters. Keys are contentIds everywhere. Uploads
 * and dead letters accept records up to {@link #MAX_UPLOAD_BYTES} (Kafka's default is 1 MB,
 * which ordinary photos exceed); the dead-letter topic a little more, as it wraps the upload.
 */
public record TopicRegistry(Topic<byte[], byte[]> uploaded, Topic<String, ModerationDecision> decisions,
                            Topic<String, AuditRecord> audit, Topic<String, EmbeddingRecord> embeddings,
                            Topic<String, DeadLetter> deadLetters, Topic<String, PolicyEntry> policies,
                            Topic<String, PolicyChange> policyChanges, Topic<String, ShadowDecision> shadow,
                            Topic<String, ReviewVerdict> verdicts, Topic<String, String> reviewLeases,
                            Topic<String, String> dlqReplays, Topic<String, BankEntry> banks) {

    /** Largest upload record (inline image plus event); larger images must come by URI. */
    public static final int MAX_UPLOAD_BYTES = 16 << 20;
    /** A dead letter carries the original key and value, so it may be larger than the upload. */
    public static final int MAX_RECORD_BYTES = MAX_UPLOAD_BYTES + (1 << 20);

    /** The topics these settings name, created with their partitions and replication factor. */
    public static TopicRegistry from(ClipGuardConfig.Topics t) {
        return named(t.uploaded(), t.decisions(), t.audit(), t.embeddings(), t.deadLetters(), t.policies(), t.policyChanges(),
                t.shadow(), t.verdicts(), t.reviewLeases(), t.dlqReplays(), t.banks(), t.partitions(), t.replicationFactor());
    }

    /**
     * Policies live on one compacted partition: a version and the head that points at it are
     * written in one transaction and must be read in that order.
     */
    static TopicRegistry named(String uploaded, String decisions, String audit, String embeddings, String dlq, String policies,
                               String policyChanges, String shadow, String verdicts, String reviewLeases, String dlqReplays, String banks, int partitions,
                               short replication) {
        return new TopicRegistry(
                new Topic<>(uploaded, Serdes.ByteArray(), Serdes.ByteArray(), partitions, replication,
                        Map.of("max.message.bytes", String.valueOf(MAX_UPLOAD_BYTES))),
                new Topic<>(decisions, Serdes.String(), AvroSerde.DECISION, partitions, replication, Map.of()),
                new Topic<>(audit, Serdes.String(), AvroSerde.AUDIT, partitions, replication, Map.of()),
                new Topic<>(embeddings, Serdes.String(), AvroSerde.EMBEDDING, partitions, replication, Map.of("cleanup.policy", "compact")),
                new Topic<>(dlq, Serdes.String(), AvroSerde.DEAD_LETTER, partitions, replication,
                        Map.of("max.message.bytes", String.valueOf(MAX_RECORD_BYTES))),
                new Topic<>(policies, Serdes.String(), AvroSerde.POLICY_ENTRY, 1, replication, Map.of("cleanup.policy", "compact")),
                new Topic<>(policyChanges, Serdes.String(), AvroSerde.POLICY_CHANGE, 1, replication, Map.of()),
                new Topic<>(shadow, Serdes.String(), AvroSerde.SHADOW_DECISION, partitions, replication, Map.of()),
                new Topic<>(verdicts, Serdes.String(), AvroSerde.REVIEW_VERDICT, partitions, replication, Map.of()),
                // Review leases (ReviewQueue): the latest per content id is all that matters.
                new Topic<>(reviewLeases, Serdes.String(), Serdes.String(), partitions, replication, Map.of("cleanup.policy", "compact")),
                // The replay ledger: one entry per dead letter sent back (DeadLetterReplay).
                new Topic<>(dlqReplays, Serdes.String(), Serdes.String(), 1, replication, Map.of("cleanup.policy", "compact")),
                // Bank entries (bank.kafka.BankLog): every instance reads all of it; one partition keeps a bank's changes in order.
                new Topic<>(banks, Serdes.String(), AvroSerde.BANK_ENTRY, 1, replication, Map.of("cleanup.policy", "compact")));
    }

    /** Every topic, the replay ledger included. */
    public List<Topic<?, ?>> all() {
        return List.of(uploaded, decisions, audit, embeddings, deadLetters, policies, policyChanges, shadow, verdicts, reviewLeases, dlqReplays,
                banks);
    }

    /** The topics an instance uses (created on start when missing): all but the replay ledger, which only {@code dlq replay} uses. */
    public List<Topic<?, ?>> service() {
        return List.of(uploaded, decisions, audit, embeddings, deadLetters, policies, policyChanges, shadow, verdicts, reviewLeases, banks);
    }
}
