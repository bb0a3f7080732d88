package io.clipguard.review;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.schema.Action;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.VerdictKind;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.SourceHeader;
import io.clipguard.stream.TopicTail;
import io.clipguard.stream.TopicRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * (idempotent producer, and the item leaves the queue before the call returns).
 */
public final class ReviewQueue implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReviewQueue.class.getName());
    private static final int MAX_ITEMS = 100_000;
    private static final Duration APPLY_WAIT = Duration.ofSeconds(10);

    /** A decision waiting for a verdict, and where its upload is (for the image). */
    public record Item(ModerationDecision decision, Integer sourcePartition, Long sourceOffset) {
        public String contentId() {
            return decision.getContentId();
        }
    }

    /** An item leased to a reviewer until {@code expiresAt}. */
    public record Leased(Item item, Instant expiresAt) {
    }

    private record Lease(String reviewer, String leaseId, long expiresAt) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicRegistry topics;
    private final Duration leaseFor;
    private final Clock clock;
    private final Map<String, Item> pending = new HashMap<>();
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Boolean> reviewedEvents = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_ITEMS;
        }
    };
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long dropped;

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
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        try {
            if (r.topic().equals(topics.decisions().name())) {
                ModerationDecision d = AvroSerde.DECISION.decode(r.value());
                if (d.getAction() == Action.REVIEW && !reviewedEvents.containsKey(d.getEventId())) {
                    if (pending.size() >= MAX_ITEMS) {
                        dropOldest();
                    }
                    SourcePosition source = SourceHeader.read(r.headers()).orElse(null);
                    pending.put(d.getContentId(), new Item(d, source == null ? null : source.getPartition(), source == null ? null : source.getOffset()));
                } else {
                    pending.remove(d.getContentId()); // decided again, not for review (or already reviewed)
                }
            } else if (r.topic().equals(topics.verdicts().name())) {
                ReviewVerdict v = AvroSerde.REVIEW_VERDICT.decode(r.value());
                reviewedEvents.put(v.getEventId(), true);
                Item item = pending.get(v.getContentId());
                if (item != null && item.decision().getEventId().equals(v.getEventId())) {
                    pending.remove(v.getContentId());
                }
                leases.remove(v.getContentId());
            } else if (key != null && r.value() != null) {
                String[] f = new String(r.value(), StandardCharsets.UTF_8).split("\t");
                Lease wanted = new Lease(f[0], f[1], Long.parseLong(f[2]));
                Lease held = leases.get(key);
                // First writer wins: an unexpired lease of another reviewer (at this record's time) stands.
                if (held == null || held.expiresAt() < r.timestamp() || held.reviewer().equals(wanted.reviewer())) {
                    leases.put(key, wanted);
                }
            }
        } catch (Exception e) {
            LOG.fine(() -> "review queue skipped a record it cannot read: " + e);
        }
    }

    private void dropOldest() {
        pending.values().stream().min(Comparator.comparing(i -> i.decision().getDecidedAt())).ifPresent(i -> pending.remove(i.contentId()));
        dropped++;
    }

    /**
     * The oldest item without a verdict that no one else holds (of {@code tenant}, when given),
     * leased to {@code reviewer}; the reviewer's own unexpired lease first (a reload resumes).
     */
    public Optional<Leased> next(String reviewer, String tenant) throws InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            Item candidate;
            synchronized (this) {
                long now = clock.millis();
                Optional<Item> mine = pending.values().stream().filter(i -> matches(i, tenant)).filter(i -> {
                    Lease l = leases.get(i.contentId());
                    return l != null && l.reviewer().equals(reviewer) && l.expiresAt() > now;
                }).findFirst();
                if (mine.isPresent()) {
                    return Optional.of(new Leased(mine.get(), Instant.ofEpochMilli(leases.get(mine.get().contentId()).expiresAt())));
                }
                candidate = pending.values().stream().filter(i -> matches(i, tenant)).filter(i -> {
                    Lease l = leases.get(i.contentId());
                    return l == null || l.expiresAt() <= now;
                }).min(Comparator.comparing((Item i) -> i.decision().getDecidedAt()).thenComparing(Item::contentId)).orElse(null);
            }
            if (candidate == null) {
                return Optional.empty();
            }
            String leaseId = UUID.randomUUID().toString();
            long expires = clock.millis() + leaseFor.toMillis();
            RecordMetadata written = send(topics.reviewLeases().name(), candidate.contentId(),
                    (reviewer + "\t" + leaseId + "\t" + expires).getBytes(StandardCharsets.UTF_8));
            awaitApplied(written);
            synchronized (this) {
                Lease held = leases.get(candidate.contentId());
                if (held != null && held.leaseId().equals(leaseId)) {
                    return Optional.of(new Leased(candidate, Instant.ofEpochMilli(expires)));
                }
            }
        }
        return Optional.empty();
    }

    /** Records {@code reviewer}'s verdict on the item they hold; {@code REVIEW_NOT_FOUND} or {@code LEASE_NOT_HELD} otherwise. */
    public synchronized ReviewVerdict verdict(String reviewer, String contentId, VerdictKind kind, String category, String note)
            throws InterruptedException {
        Item item = pending.get(contentId);
        if (item == null) {
            throw new ClipGuardException(ErrorCode.REVIEW_NOT_FOUND, "no decision of '" + contentId + "' waits for review");
        }
        Lease lease = leases.get(contentId);
        if (lease == null || !lease.reviewer().equals(reviewer) || lease.expiresAt() <= clock.millis()) {
            throw new ClipGuardException(ErrorCode.LEASE_NOT_HELD, "'" + contentId + "' is not leased to " + reviewer
                    + " (take it with GET /reviews/next; leases last " + leaseFor.toMinutes() + " minutes)");
        }
        ModerationDecision d = item.decision();
        ReviewVerdict v = ReviewVerdict.newBuilder().setContentId(contentId).setEventId(d.getEventId()).setTenant(d.getTenant())
                .setReviewer(reviewer).setVerdict(kind).setCategory(category).setPolicyId(d.getPolicyId()).setPolicyVersion(d.getPolicyVersion())
                .setModelDigest(d.getModelDigest()).setDecidedAt(d.getDecidedAt()).setReviewedAt(clock.instant()).setNote(note).build();
        awaitApplied(send(topics.verdicts().name(), contentId, AvroSerde.REVIEW_VERDICT.encode(v)));
        return v;
    }

    /** The waiting item {@code contentId} when {@code reviewer} holds its lease now; empty otherwise. */
    public synchronized Optional<Item> held(String reviewer, String contentId) {
        Item item = pending.get(contentId);
        Lease lease = leases.get(contentId);
        return item != null && lease != null && lease.reviewer().equals(reviewer) && lease.expiresAt() > clock.millis()
                ? Optional.of(item) : Optional.empty();
    }

    /** Items waiting for a verdict. */
    public synchronized int depth() {
        return pending.size();
    }

    /** Seconds since the oldest waiting item was decided (0 when none). */
    public synchronized double oldestAgeSeconds() {
        return pending.values().stream().map(i -> i.decision().getDecidedAt()).min(Comparator.naturalOrder())
                .map(t -> Math.max(0, clock.millis() - t.toEpochMilli()) / 1000.0).orElse(0.0);
    }

    /** Items dropped because the queue was full (the oldest go first). */
    public synchronized long dropped() {
        return dropped;
    }

    private static boolean matches(Item i, String tenant) {
        return tenant == null || tenant.isBlank() || tenant.equals(i.decision().getTenant());
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
