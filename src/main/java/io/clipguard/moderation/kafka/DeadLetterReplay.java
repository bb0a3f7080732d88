package io.clipguard.moderation.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicReader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Sends dead letters' original records back to the uploads topic, exactly once: each replayed
 * upload and an entry in a compacted replay ledger (keyed by the dead letter's position) are
 * written in one Kafka transaction, and letters already in the ledger are skipped. A replay
 * that stops half-way, run again, replays the rest; two replays with overlapping selections
 * never send a record twice. Replayed records carry a {@code clipguard-replay-of} header naming
 * the dead letter.
 */
public final class DeadLetterReplay {
    /** The header naming the dead letter a replayed upload came from. */
    public static final String REPLAY_HEADER = "clipguard-replay-of";
    /** Transactional ids of replays start with this (the ACL a replaying operator needs). */
    public static final String TRANSACTIONAL_ID_PREFIX = "clipguard-dlq-replay-";
    private static final int PER_TRANSACTION = 100;
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    /**
     * What a replay did. {@code byReason}: replayed (or, in a dry run, replayable) letters per
     * reason code; {@code notReplayable}: selected letters without their whole original value.
     */
    public record Report(long scanned, long selected, long replayed, long alreadyReplayed, long notReplayable,
                         Map<String, Long> byReason, boolean dryRun) {
    }

    private DeadLetterReplay() {
    }

    /** The ledger's key for a dead letter: where it sits on the dead-letter topic. */
    static String ledgerKey(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    public static Report run(KafkaClients clients, TopicRegistry topics, Predicate<DeadLetter> select, boolean dryRun) {
        TopicCreator.ensure(clients, java.util.List.of(topics.dlqReplays()));
        Set<String> done = new HashSet<>();
        TopicReader.read(clients, topics.dlqReplays().name(), TopicReader.FROM_BEGINNING, r -> done.add(r.key()), n -> { }, READ_TIMEOUT);
        long[] counts = new long[5];
        Map<String, Long> byReason = new TreeMap<>();
        KafkaProducer<byte[], byte[]> producer = dryRun ? null : clients.newProducer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID_PREFIX + UUID.randomUUID(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_RECORD_BYTES));
        try {
            if (producer != null) {
                producer.initTransactions();
            }
            int[] inTransaction = {0};
            TopicReader.read(clients, topics.deadLetters().name(), TopicReader.FROM_BEGINNING, r -> {
                counts[0]++;
                DeadLetter letter = TopicReader.decode(AvroSerde.DEAD_LETTER, r);
                if (letter == null || !select.test(letter)) {
                    return;
                }
                counts[1]++;
                String key = ledgerKey(r.topic(), r.partition(), r.offset());
                if (done.contains(key)) {
                    counts[3]++;
                    return;
                }
                if (letter.getOriginalValue() == null || letter.getOriginalValueSize() != null) {
                    counts[4]++;
                    return;
                }
                byReason.merge(letter.getReasonCode(), 1L, Long::sum);
                counts[2]++;
                if (producer == null) {
                    return;
                }
                if (inTransaction[0] == 0) {
                    producer.beginTransaction();
                }
                ProducerRecord<byte[], byte[]> upload = new ProducerRecord<>(topics.uploaded().name(),
                        letter.getOriginalKey() == null ? null : bytes(letter.getOriginalKey()), bytes(letter.getOriginalValue()));
                upload.headers().add(new RecordHeader(REPLAY_HEADER, key.getBytes(StandardCharsets.UTF_8)));
                producer.send(upload);
                producer.send(new ProducerRecord<>(topics.dlqReplays().name(), key.getBytes(StandardCharsets.UTF_8),
                        Instant.now().toString().getBytes(StandardCharsets.UTF_8)));
                if (++inTransaction[0] == PER_TRANSACTION) {
                    producer.commitTransaction();
                    inTransaction[0] = 0;
                }
            }, n -> { }, READ_TIMEOUT);
            if (producer != null && inTransaction[0] > 0) {
                producer.commitTransaction();
            }
        } catch (KafkaException e) {
            throw KafkaErrors.translate(e);
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(10));
            }
        }
        return new Report(counts[0], counts[1], counts[2], counts[3], counts[4], byReason, dryRun);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
