package io.clipguard.moderation.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicReader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.SourcePosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Sends dead letters' original records back to the uploads topic, exactly once: each replayed
 * upload and an entry in a compacted replay ledger are written in one Kafka transaction, and
 * uploads already in the ledger are skipped. The ledger is keyed by the upload's original
 * position, not the dead letter's: a replayed upload that fails again gets a new dead letter,
 * which names the same origin (the {@code clipguard-origin} header a replay sets travels to it)
 * and so is not sent again by the next run. Replays share one transactional id, and read the
 * ledger only after taking it: a second replay started beside a first fences it (the first stops
 * with {@code REPLAY_FENCED}, having committed whole transactions only) and then sees everything
 * the first committed, so two runs at once never send an upload twice. A replay that stops
 * half-way, run again, replays the rest.
 */
public final class DeadLetterReplay {
    /** The header naming the dead letter a replayed upload came from. */
    public static final String REPLAY_HEADER = "clipguard-replay-of";
    /** Transactional ids of replays start with this (the ACL a replaying operator needs). */
    public static final String TRANSACTIONAL_ID_PREFIX = "clipguard-dlq-replay-";
    private static final int PER_TRANSACTION = 100;
    private static final Duration COMMIT_EVERY = Duration.ofSeconds(5);
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

    /** Codes of images that exhausted a limit: replayed only when named, since a replay would spend the same again. */
    public static final Set<String> BOMBS = Set.of(ErrorCode.IMAGE_TOO_LARGE.name(), ErrorCode.IMAGE_TOO_COMPLEX.name());

    /** The ledger's key for an upload: where it was first sent. */
    static String ledgerKey(SourcePosition origin) {
        return origin.getTopic() + "-" + origin.getPartition() + "@" + origin.getOffset();
    }

    /** Where the upload behind a dead letter was first sent: its origin header when it was itself a replay, else its position. */
    static SourcePosition origin(ConsumerRecord<String, byte[]> record, DeadLetter letter) {
        SourcePosition own = new SourcePosition(letter.getSourceTopic(), letter.getSourcePartition(), letter.getSourceOffset());
        return SourceHeader.read(record.headers(), SourceHeader.ORIGIN).filter(o -> o.getTopic().equals(own.getTopic())
                && o.getPartition() == own.getPartition() && o.getOffset() < own.getOffset()).orElse(own);
    }

    public static Report run(KafkaClients clients, TopicRegistry topics, Predicate<DeadLetter> select, boolean dryRun) {
        TopicCreator.ensure(clients, java.util.List.of(topics.dlqReplays()));
        long[] counts = new long[5];
        Map<String, Long> byReason = new TreeMap<>();
        KafkaProducer<byte[], byte[]> producer = dryRun ? null : clients.newProducer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID_PREFIX + topics.deadLetters().name(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_RECORD_BYTES));
        try {
            if (producer != null) {
                // Fences any replay running beside this one and waits for its open transaction to end.
                producer.initTransactions();
            }
            Set<String> done = new HashSet<>();
            TopicReader.read(clients, topics.dlqReplays().name(), TopicReader.FROM_BEGINNING, r -> done.add(r.key()), n -> { }, READ_TIMEOUT);
            int[] inTransaction = {0};
            long[] openedAt = {0};
            TopicReader.read(clients, topics.deadLetters().name(), TopicReader.FROM_BEGINNING, r -> {
                counts[0]++;
                DeadLetter letter = TopicReader.decode(AvroSerde.DEAD_LETTER, r);
                if (letter == null || !select.test(letter)) {
                    return;
                }
                counts[1]++;
                SourcePosition origin = origin(r, letter);
                String key = ledgerKey(origin);
                // Before release v5 the ledger was keyed by the dead letter's own position.
                if (done.contains(key) || done.contains(ledgerKey(new SourcePosition(r.topic(), r.partition(), r.offset())))) {
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
                upload.headers().add(new RecordHeader(REPLAY_HEADER, (r.topic() + "-" + r.partition() + "@" + r.offset())
                        .getBytes(StandardCharsets.UTF_8)));
                SourceHeader.write(upload.headers(), SourceHeader.ORIGIN, origin);
                producer.send(upload);
                producer.send(new ProducerRecord<>(topics.dlqReplays().name(), key.getBytes(StandardCharsets.UTF_8),
                        Instant.now().toString().getBytes(StandardCharsets.UTF_8)));
                done.add(key);
                if (++inTransaction[0] == PER_TRANSACTION) {
                    producer.commitTransaction();
                    inTransaction[0] = 0;
                    openedAt[0] = 0;
                } else if (openedAt[0] == 0) {
                    openedAt[0] = System.nanoTime();
                }
            }, n -> {
                // A transaction is not left open while letters that are not selected are scanned.
                if (producer != null && inTransaction[0] > 0 && System.nanoTime() - openedAt[0] > COMMIT_EVERY.toNanos()) {
                    producer.commitTransaction();
                    inTransaction[0] = 0;
                    openedAt[0] = 0;
                }
            }, READ_TIMEOUT);
            if (producer != null && inTransaction[0] > 0) {
                producer.commitTransaction();
            }
        } catch (KafkaException e) {
            if (fenced(e)) {
                throw new ClipGuardException(ErrorCode.REPLAY_FENCED, "stopped: another dlq replay took over (or this one's transaction "
                        + "timed out); what it committed stands, and a run again replays the rest of its selection");
            }
            throw KafkaErrors.translate(e);
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(10));
            }
        }
        return new Report(counts[0], counts[1], counts[2], counts[3], counts[4], byReason, dryRun);
    }

    private static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.ProducerFencedException
                    || t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
