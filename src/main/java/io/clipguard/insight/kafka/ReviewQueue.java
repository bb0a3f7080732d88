package io.clipguard.insight.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.insight.ReviewLedger;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.kafka.TopicTail;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.VerdictKind;
import io.clipguard.telemetry.ModerationMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The review queue, the same on every instance: decisions sent to review (read from the
 * decision topic, oldest first) that have no verdict yet (verdict topic). A reviewer leases an
 * item before seeing it, so two reviewers never get the same one: the lease is a record on a
 * compacted topic keyed by content id, and every instance applies lease records in the topic's
 * order with one rule, the first unexpired lease wins (expiry judged by record timestamps, so
 * every instance agrees). An instance that wrote a lease waits until it has applied its own
 * record and then knows whether it won. A verdict needs the reviewer's lease; it is written once
 * (idempotent producer, and the item leaves the queue before the call returns). The rules
 * themselves are {@link ReviewLedger}'s; this class reads the topics and writes leases and verdicts.
 */
public final class ReviewQueue implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReviewQueue.class.getName());
    private static final int MAX_ITEMS = 100_000;
    private static final Duration APPLY_WAIT = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicRegistry topics;
    private final Duration leaseFor;
    private final Clock clock;
    private final ReviewLedger ledger = new ReviewLedger(MAX_ITEMS);
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ReviewQueue(KafkaClients clients, TopicRegistry topics, Duration leaseFor, Duration history, Clock clock) {
        this.consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        this.producer = clients.newProducer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        this.topics = topics;
        this.leaseFor = leaseFor;
        this.clock = clock;
        long since = clock.millis() - history.toMillis();
        Map<String, Long> from = new HashMap<>();
        from.put(topics.decisions().name(), since);
        from.put(topics.verdicts().name(), since);
        from.put(topics.reviewLeases().name(), null); // compacted: every live lease, from the start
        TopicTail.assign(consumer, from);
        this.thread = new Thread(this::run, "clipguard-review-queue");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(100));
                synchronized (this) {
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        apply(r);
                        applied.put(new TopicPartition(r.topic(), r.partition()), r.offset());
                    }
                    for (TopicPartition tp : consumer.assignment()) {
                        applied.merge(tp, consumer.position(tp) - 1, Math::max);
                    }
                    notifyAll();
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warning("review queue stopped: " + e);
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(topics.decisions().name())) {
                ledger.decision(AvroSerde.DECISION.decode(r.value()), SourceHeader.read(r.headers()).orElse(null));
            } else if (r.topic().equals(topics.verdicts().name())) {
                ledger.verdict(AvroSerde.REVIEW_VERDICT.decode(r.value()));
            } else if (r.key() != null && r.value() != null) {
                ledger.lease(new String(r.key(), StandardCharsets.UTF_8), ReviewLedger.Lease.decode(r.value()), r.timestamp());
            }
        } catch (Exception e) {
            LOG.fine(() -> "review queue skipped a record it cannot read: " + e);
        }
    }

    /**
     * The oldest item without a verdict that no one else holds (of {@code tenant}, when given),
     * leased to {@code reviewer}; the reviewer's own unexpired lease first (a reload resumes).
     */
    public Optional<ReviewLedger.Leased> next(String reviewer, String tenant) throws InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            ReviewLedger.Item candidate;
            synchronized (this) {
                Optional<ReviewLedger.Leased> mine = ledger.mine(reviewer, tenant, clock.millis());
                if (mine.isPresent()) {
                    return mine;
                }
                candidate = ledger.oldestFree(tenant, clock.millis()).orElse(null);
            }
            if (candidate == null) {
                return Optional.empty();
            }
            String leaseId = UUID.randomUUID().toString();
            long expires = clock.millis() + leaseFor.toMillis();
            RecordMetadata written = send(topics.reviewLeases().name(), candidate.contentId(),
                    new ReviewLedger.Lease(reviewer, leaseId, expires, candidate.id()).encode());
            awaitApplied(written);
            synchronized (this) {
                if (ledger.granted(candidate.contentId(), leaseId)) {
                    return Optional.of(new ReviewLedger.Leased(candidate, Instant.ofEpochMilli(expires), leaseId));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Records {@code reviewer}'s verdict on event {@code eventId}, which they hold under lease
     * {@code leaseId}; {@code REVIEW_NOT_FOUND}, {@code REVIEW_STALE} or {@code LEASE_NOT_HELD} otherwise.
     */
    public synchronized ReviewVerdict verdict(String reviewer, String contentId, String eventId, String leaseId, VerdictKind kind,
                                              String category, String note) throws InterruptedException {
        ReviewLedger.Item item = ledger.requireHeld(reviewer, contentId, eventId, leaseId, clock.millis(), leaseFor);
        ModerationDecision d = item.decision();
        ReviewVerdict v = ReviewVerdict.newBuilder().setContentId(contentId).setEventId(d.getEventId()).setItemId(item.id()).setLeaseId(leaseId)
                .setTenant(d.getTenant())
                .setReviewer(reviewer).setVerdict(kind).setCategory(category).setPolicyId(d.getPolicyId()).setPolicyVersion(d.getPolicyVersion())
                .setModelDigest(d.getModelDigest()).setDecidedAt(d.getDecidedAt()).setReviewedAt(clock.instant()).setNote(note)
                .setReviewReason(d.getReview() == null ? null : d.getReview().getReason())
                .setInclusionProbability(d.getReview() == null ? null : d.getReview().getProbability()).build();
        awaitApplied(send(topics.verdicts().name(), contentId, AvroSerde.REVIEW_VERDICT.encode(v)));
        return v;
    }

    /** The waiting item {@code contentId} when {@code reviewer} holds its lease now; empty otherwise. */
    public synchronized Optional<ReviewLedger.Item> held(String reviewer, String contentId) {
        return ledger.held(reviewer, contentId, clock.millis());
    }

    /** The queue's gauges: its depth and the age of its oldest item. */
    public void bindMetrics(ModerationMetrics metrics) {
        metrics.gauge("clipguard.review.queue.depth", "Decisions sent to review that wait for a verdict", this::depth);
        metrics.gauge("clipguard.review.oldest.seconds", "Age of the oldest decision waiting for a verdict", this::oldestAgeSeconds);
    }

    /** Items waiting for a verdict. */
    public synchronized int depth() {
        return ledger.depth();
    }

    /** Seconds since the oldest waiting item was decided (0 when none). */
    public synchronized double oldestAgeSeconds() {
        return ledger.oldestAgeSeconds(clock.millis());
    }

    private RecordMetadata send(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipGuardException(ErrorCode.INTERRUPTED, "interrupted while writing to " + topic);
        } catch (Exception e) {
            throw new ClipGuardException(ErrorCode.SEND_FAILED, "cannot write to " + topic + ": " + e.getMessage());
        }
    }

    /** Waits until the reader has applied the record at {@code m} (and everything before it in its partition). */
    private synchronized void awaitApplied(RecordMetadata m) throws InterruptedException {
        TopicPartition tp = new TopicPartition(m.topic(), m.partition());
        long deadline = System.nanoTime() + APPLY_WAIT.toNanos();
        while (applied.getOrDefault(tp, -1L) < m.offset()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ClipGuardException(ErrorCode.STORE_NOT_READY, "the review queue has not caught up with " + tp + " yet; try again");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
        producer.close(Duration.ofSeconds(5));
    }
}
