package io.clipguard.tools.demo;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ModerationDecision;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One run of {@code clipguard demo} against a running instance: synthetic uploads (a few
 * broken on purpose) produced, each decision or dead letter printed as a read_committed
 * consumer sees it, and a summary.
 */
public final class DemoRun {
    private final PrintWriter out;
    private final TopicRegistry topics;
    private final ModerationRuntime runtime;
    private final int events;
    private final long seed;
    private final Map<String, String> descriptions = new HashMap<>();
    private final Map<String, Integer> actions = new TreeMap<>();
    private final Map<String, Integer> deadLetters = new TreeMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private int outputs;
    private final java.util.concurrent.atomic.AtomicInteger failedSends = new java.util.concurrent.atomic.AtomicInteger();
    private long started;

    /**
     * @param events stop after this many outputs (0: run until stopped, 5 uploads a second)
     * @param seed   of the upload generator
     */
    public DemoRun(PrintWriter out, TopicRegistry topics, ModerationRuntime runtime, int events, long seed) {
        this.out = out;
        this.topics = topics;
        this.runtime = runtime;
        this.events = events;
        this.seed = seed;
    }

    /** Produces uploads and prints every decision and dead letter as a read_committed consumer sees it, then a summary. */
    public void go(KafkaClients clients) {
        DemoUploads uploads = new DemoUploads(seed);
        try (KafkaProducer<byte[], byte[]> producer = clients.newProducer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                TopicRegistry.MAX_UPLOAD_BYTES));
             KafkaConsumer<byte[], byte[]> consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            // Every partition, positioned at its end before the first upload is sent: no output slips past.
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.decisions().name(), topics.deadLetters().name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            started = System.nanoTime();
            int produced = 0;
            long nextSummary = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (events == 0 || outputs + failedSends.get() < events) {
                int burst = events == 0 ? 1 : Math.min(10, events - produced);
                for (int i = 0; i < burst; i++) {
                    DemoUploads.Upload u = uploads.next();
                    descriptions.put(u.contentId(), u.description());
                    producer.send(new ProducerRecord<>(topics.uploaded().name(),
                            u.contentId().getBytes(StandardCharsets.UTF_8), u.value()), (meta, error) -> {
                                if (error != null) {
                                    failedSends.incrementAndGet();
                                    out.printf("UNSENT %s  %s   (%s)%n", u.contentId(), error.getMessage(), u.description());
                                }
                            });
                    produced++;
                }
                producer.flush();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(events == 0 ? 200 : 100))) {
                    print(r);
                }
                if (events == 0 && System.nanoTime() > nextSummary) {
                    summary();
                    nextSummary = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                }
            }
        }
        summary();
    }

    private void print(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? "(no key)" : new String(r.key(), StandardCharsets.UTF_8);
        String what = descriptions.getOrDefault(key, "");
        if (r.topic().equals(topics.decisions().name())) {
            ModerationDecision d = AvroSerde.DECISION.deserializer().deserialize(r.topic(), r.value());
            actions.merge(d.getAction().name(), 1, Integer::sum);
            latencies.add(d.getTimings().getEndToEndMs());
            double top = d.getScores().stream().mapToDouble(s -> s.getProbability()).max().orElse(0);
            out.printf("%-6s %s  %-13s p=%.3f  v%-2d %4d ms   (%s)%n", d.getAction(), key,
                    d.getTriggeringCategory() == null ? "-" : d.getTriggeringCategory(), top, d.getPolicyVersion(),
                    d.getTimings().getEndToEndMs(), what);
        } else {
            DeadLetter l = AvroSerde.DEAD_LETTER.deserializer().deserialize(r.topic(), r.value());
            deadLetters.merge(l.getReasonCode(), 1, Integer::sum);
            String message = l.getMessage().length() > 60 ? l.getMessage().substring(0, 60) + "..." : l.getMessage();
            out.printf("DEAD   %s  %s: %s   (%s)%n", key, l.getReasonCode(), message, what);
        }
        outputs++;
        out.flush();
    }

    private void summary() {
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        int dead = deadLetters.values().stream().mapToInt(Integer::intValue).sum();
        out.printf("summary: %d outputs in %.1f s (%.1f/s); decisions %s; dead letters %d %s; unsent %d; end-to-end latency p50 %d ms, p99 %d ms; mean batch %.2f%n",
                outputs, seconds, outputs / Math.max(seconds, 1e-9), actions, dead, deadLetters, failedSends.get(),
                percentile(sorted, 0.50), percentile(sorted, 0.99), runtime.batcher().meanBatchSize());
        out.flush();
    }

    private long percentile(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
