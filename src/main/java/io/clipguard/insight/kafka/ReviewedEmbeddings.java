package io.clipguard.insight.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.EmbeddingRecord;
import io.clipguard.schema.ReviewVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reviewers' verdicts joined with the stored embeddings of the images they judged: the
 * deployment's own labelled sample, without keeping any image. The latest verdict per content
 * id counts; an embedding counts only when it was made by the model being evaluated (same
 * digest), since vectors of another model cannot be scored by this one's prompts.
 */
public final class ReviewedEmbeddings {
    /** A verdict and the embedding of the image it judged. */
    public record Reviewed(ReviewVerdict verdict, float[] vector) {
    }

    /** What was found, and how many verdicts had no embedding of this model. */
    public record Found(List<Reviewed> reviewed, int verdicts, int withoutEmbedding) {
    }

    private ReviewedEmbeddings() {
    }

    public static Found read(KafkaClients clients, TopicRegistry topics, String modelDigest, Duration timeout) {
        Map<String, ReviewVerdict> verdicts = new HashMap<>();
        readAll(clients, topics.verdicts().name(), timeout, (topic, value) -> {
            ReviewVerdict v = AvroSerde.REVIEW_VERDICT.deserializer().deserialize(topic, value);
            verdicts.merge(v.getContentId(), v, (a, b) -> b.getReviewedAt().isAfter(a.getReviewedAt()) ? b : a);
        });
        Map<String, float[]> vectors = new HashMap<>();
        readAll(clients, topics.embeddings().name(), timeout, (topic, value) -> {
            EmbeddingRecord e = AvroSerde.EMBEDDING.deserializer().deserialize(topic, value);
            if (verdicts.containsKey(e.getContentId()) && modelDigest.equals(e.getModelDigest())) {
                float[] v = new float[e.getVector().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.getVector().get(i);
                }
                vectors.put(e.getContentId(), v);
            }
        });
        List<Reviewed> out = new ArrayList<>();
        verdicts.forEach((id, v) -> {
            if (vectors.containsKey(id)) {
                out.add(new Reviewed(v, vectors.get(id)));
            }
        });
        out.sort((a, b) -> a.verdict().getContentId().compareTo(b.verdict().getContentId()));
        return new Found(out, verdicts.size(), verdicts.size() - out.size());
    }

    private static void readAll(KafkaClients clients, String topic, Duration timeout, BiConsumer<String, byte[]> each) {
        try (KafkaConsumer<byte[], byte[]> c = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = c.partitionsFor(topic, timeout).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        try {
                            each.accept(r.topic(), r.value());
                        } catch (RuntimeException e) {
                            // another writer's record: not a verdict or embedding of ours
                        }
                    }
                }
            }
        }
    }
}
