package io.clipguard.loadtest;

import io.clipguard.kafka.KafkaClients;
import io.clipguard.schema.AuditRecord;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.TopicRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads ClipGuard's outputs as a downstream service would: a read_committed consumer of the
 * decision and dead-letter topics (and the audit topic, for batch sizes), from the start, on
 * its own thread. Counts outputs per content id (the exactly-once check) and measures each
 * upload's latency from its send to its first visible output. Rides out broker restarts (the
 * consumer reconnects by itself).
 */
public final class OutputTracker implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicRegistry topics;
    private final Map<String, Long> sentAtNanos;
    private final Map<String, AtomicInteger> outputs = new ConcurrentHashMap<>();
    private final AtomicLong decisions = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final Latencies latencies = new Latencies();
    private final Latencies batchSizes = new Latencies();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    public OutputTracker(KafkaClients clients, TopicRegistry topics, Map<String, Long> sentAtNanos) {
        this.consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicRegistry.MAX_RECORD_BYTES));
        this.topics = topics;
        this.sentAtNanos = sentAtNanos;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.decisions().name(), topics.deadLetters().name(), topics.audit().name())) {
            consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "output-tracker");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (r.topic().equals(topics.audit().name())) {
                        AuditRecord audit = AvroSerde.AUDIT.deserializer().deserialize(r.topic(), r.value());
                        if (audit.getBatch().getPosition() == 0) {
                            batchSizes.add(audit.getBatch().getSize());
                        }
                        continue;
                    }
                    (r.topic().equals(topics.decisions().name()) ? decisions : deadLetters).incrementAndGet();
                    String key = r.key() == null ? "(null)" : new String(r.key(), StandardCharsets.UTF_8);
                    if (outputs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() == 1) {
                        Long sent = sentAtNanos.get(key);
                        if (sent != null) {
                            latencies.add((now - sent) / 1_000_000);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    /** Outputs seen so far (decisions and dead letters, duplicates included). */
    public long outputs() {
        check();
        return decisions.get() + deadLetters.get();
    }

    public long decisions() {
        return decisions.get();
    }

    public long deadLetters() {
        return deadLetters.get();
    }

    /** Content ids among {@code expected} without an output, and those with more than one. */
    public ExactlyOnce check(Iterable<String> expected) {
        check();
        List<String> missing = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        for (String key : expected) {
            AtomicInteger n = outputs.get(key);
            if (n == null) {
                missing.add(key);
            } else if (n.get() > 1) {
                duplicated.add(key + " x" + n.get());
            }
        }
        return new ExactlyOnce(missing, duplicated);
    }

    /** Milliseconds from send to first visible output, one per upload. */
    public Latencies latencies() {
        return latencies;
    }

    /** Sizes of the inference batches the outputs ran in, one per batch seen. */
    public Latencies batchSizes() {
        return batchSizes;
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("output tracker failed: " + failure, failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }

    /** The exactly-once verdict: every upload exactly one output. */
    public record ExactlyOnce(List<String> missing, List<String> duplicated) {
        public boolean holds() {
            return missing.isEmpty() && duplicated.isEmpty();
        }

        @Override
        public String toString() {
            return holds() ? "exactly once" : missing.size() + " missing " + head(missing) + ", " + duplicated.size() + " duplicated "
                    + head(duplicated);
        }

        private static List<String> head(List<String> l) {
            return l.subList(0, Math.min(5, l.size()));
        }
    }
}
