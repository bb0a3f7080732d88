package io.clipguard.tools.loadtest;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.StageTimings;
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
    private final Timeline timeline = new Timeline(System.nanoTime());
    private final Latencies decodeMicros = new Latencies();
    private final Latencies embedMicros = new Latencies();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    /** Reads from the start of the topics (every output of the run). */
    private volatile long lastOutputNanos;
    private volatile long maxGapNanos;

    public OutputTracker(KafkaClients clients, TopicRegistry topics, Map<String, Long> sentAtNanos) {
        this(clients, topics, sentAtNanos, false);
    }

    /** With {@code fromEnd}, only outputs written from now on count (a measurement after a warm-up). */
    public OutputTracker(KafkaClients clients, TopicRegistry topics, Map<String, Long> sentAtNanos, boolean fromEnd) {
        this.consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicRegistry.MAX_RECORD_BYTES));
        this.topics = topics;
        this.sentAtNanos = sentAtNanos;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.decisions().name(), topics.deadLetters().name(), topics.audit().name())) {
            consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        if (fromEnd) {
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve now: "the end" is this moment, not the first poll
        } else {
            consumer.seekToBeginning(partitions);
        }
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
                            timeline.batch(now, audit.getBatch().getSize());
                        }
                        continue;
                    }
                    if (r.topic().equals(topics.decisions().name())) {
                        decisions.incrementAndGet();
                        StageTimings t = AvroSerde.DECISION.deserializer().deserialize(r.topic(), r.value()).getTimings();
                        decodeMicros.add((long) (t.getDecodeMs() * 1000));
                        embedMicros.add((long) (t.getEmbedMs() * 1000));
                    } else {
                        deadLetters.incrementAndGet();
                    }
                    String key = r.key() == null ? "(null)" : new String(r.key(), StandardCharsets.UTF_8);
                    if (lastOutputNanos != 0) {
                        maxGapNanos = Math.max(maxGapNanos, now - lastOutputNanos);
                    }
                    lastOutputNanos = now;
                    if (outputs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() == 1) {
                        Long sent = sentAtNanos.get(key);
                        Long latency = sent == null ? null : (now - sent) / 1_000_000;
                        if (latency != null) {
                            latencies.add(latency);
                        }
                        timeline.output(now, latency);
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    /** The longest time between two outputs after the first (a stall), in milliseconds. */
    public long maxGapMs() {
        return maxGapNanos / 1_000_000;
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

    /** The service's decode + preprocess time per decided upload, in microseconds (from the decisions' stage timings). */
    public Latencies decodeMicros() {
        return decodeMicros;
    }

    /** Time from an image's submission to its embedding (waiting for and running the batch), in microseconds. */
    public Latencies embedMicros() {
        return embedMicros;
    }

    /** Per second of the run: outputs, latency percentiles, batch sizes. */
    public Timeline timeline() {
        return timeline;
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
