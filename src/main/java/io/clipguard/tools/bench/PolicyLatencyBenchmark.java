package io.clipguard.tools.bench;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.Settings;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.kafka.PolicyDesk;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.tools.demo.ShapeScenes;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Publish -> first decision under the new version, on a running instance under load: an
 * embedded broker, the demo model, a producer sending uploads at a steady rate, and a
 * read_committed consumer of the decisions (what a downstream service sees). Each of the
 * publishes creates and publishes a draft through the same writer the API uses; the clock
 * runs from the publish call to the first committed decision naming the new version.
 */
public final class PolicyLatencyBenchmark {
    private final PrintWriter out;

    public PolicyLatencyBenchmark(PrintWriter out) {
        this.out = out;
    }

    /**
     * @param settings the node's settings (model, stream threads, ...); the benchmark adds an
     *                 embedded broker, its own topics and state, and {@code policyFile} as the enforced policy
     */
    public void run(Map<String, String> settings, Path policyFile, int publishes, int uploadsPerSecond) throws Exception {
        String policy = Files.readString(policyFile);
        Map<String, String> overrides = new HashMap<>(settings);
        overrides.put("clipguard.policies.file", policyFile.toString());
        overrides.put("clipguard.policies.dir", Files.createTempDirectory("clipguard-bench-policies").toString());
        overrides.put("clipguard.stream.application-id", "bench");
        overrides.put("clipguard.stream.instance-id", "bench");
        overrides.put("clipguard.stream.state-dir", Files.createTempDirectory("clipguard-bench-state").toString());
        for (String role : List.of("uploaded", "decisions", "audit", "embeddings", "dead-letters", "policies", "policy-changes", "shadow")) {
            overrides.put("clipguard.topics." + role, "bench." + role);
        }
        LocalNode local = new LocalNode();
        try {
            ClipGuardNode node = local.start(Settings.load(overrides), true);
            Load load = new Load(node.clients(), node.topics(), uploadsPerSecond);
            Thread loader = new Thread(load, "bench-load");
            loader.start();
            try (KafkaConsumer<byte[], byte[]> decisions = tail(node.clients(), node.topics())) {
                Thread.sleep(2000); // warm up: the pipeline is busy before the first publish
                measure(node.policies(), node.runtime(), decisions, policy, publishes, load);
            } finally {
                load.running.set(false);
                loader.join();
            }
        } finally {
            local.stop();
        }
    }

    private void measure(PolicyDesk control, ModerationRuntime runtime, KafkaConsumer<byte[], byte[]> decisions, String policy,
                         int publishes, Load load) {
        String id = runtime.policies().enforcedId();
        List<Double> endToEnd = new ArrayList<>();
        List<Double> local = new ArrayList<>();
        long sentBefore = load.sent.get();
        long started = System.nanoTime();
        for (int i = 0; i < publishes; i++) {
            int base = control.catalog().head(id).orElseThrow().getActiveVersion();
            String yaml = policy.replace("threshold: 0.5", String.format("threshold: %.3f", 0.5 + (i % 2 == 0 ? 0.001 : 0.002)));
            int version = control.writer().createDraft(id, yaml, base, "bench", "latency run " + i).getVersion();
            long t0 = System.nanoTime();
            control.writer().publish(id, version, "bench", "latency run " + i);
            local.add((System.nanoTime() - t0) / 1e6);
            endToEnd.add(firstDecision(decisions, version, t0));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf("Publish -> first decision under the new version (%d publishes, %.0f uploads/s offered, %.0f/s sent during the run)%n",
                publishes, (double) load.rate, (load.sent.get() - sentBefore) / seconds);
        out.printf("%-44s %8s %8s %8s%n", "", "p50 ms", "p99 ms", "max ms");
        row("publish -> this instance enforces it", local);
        row("publish -> first committed decision naming it", endToEnd);
        out.flush();
    }

    private void row(String label, List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        out.printf("%-44s %8.1f %8.1f %8.1f%n", label, percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.get(sorted.size() - 1));
    }

    static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static double firstDecision(KafkaConsumer<byte[], byte[]> consumer, int version, long t0) {
        long deadline = t0 + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                ModerationDecision d = AvroSerde.DECISION.deserializer().deserialize(r.topic(), r.value());
                if (d.getPolicyVersion() == version) {
                    return (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        throw new IllegalStateException("no decision under v" + version + " within 30 s");
    }

    private static KafkaConsumer<byte[], byte[]> tail(KafkaClients clients, TopicRegistry topics) {
        KafkaConsumer<byte[], byte[]> c = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        List<TopicPartition> partitions = c.partitionsFor(topics.decisions().name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(partitions);
        c.seekToEnd(partitions);
        partitions.forEach(c::position);
        return c;
    }

    /** Uploads at a steady rate, cycling through pre-drawn scenes under fresh contentIds. */
    private static final class Load implements Runnable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong sent = new AtomicLong();
        final int rate;
        private final KafkaClients clients;
        private final TopicRegistry topics;

        Load(KafkaClients clients, TopicRegistry topics, int rate) {
            this.clients = clients;
            this.topics = topics;
            this.rate = rate;
        }

        @Override
        public void run() {
            ShapeScenes scenes = new ShapeScenes(3);
            List<byte[]> images = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                images.add(scenes.draw(ShapeScenes.COLOURS.get(i % 4), ShapeScenes.SHAPES.get(i % 3), 320, 240, true).bytes());
            }
            try (KafkaProducer<byte[], byte[]> producer = clients.newProducer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
                long next = System.nanoTime();
                for (long n = 0; running.get(); n++) {
                    String key = "bench-" + n;
                    ImageUploaded event = ImageUploaded.newBuilder().setEventId("evt-" + key).setContentId(key).setTenant("bench")
                            .setUploaderId("bench").setImage(new InlineImage(ByteBuffer.wrap(images.get((int) (n % images.size())))))
                            .setMediaType(null).setMetadata(Map.of()).setUploadedAt(Instant.now()).build();
                    producer.send(new ProducerRecord<>(topics.uploaded().name(), key.getBytes(StandardCharsets.UTF_8),
                            AvroSerde.IMAGE_UPLOADED.encode(event)));
                    sent.incrementAndGet();
                    next += 1_000_000_000L / rate;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
