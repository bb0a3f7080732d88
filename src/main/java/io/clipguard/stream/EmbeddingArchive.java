package io.clipguard.stream;

import io.clipguard.schema.EmbeddingRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the most recent stored embeddings of one model digest from the compacted
 * {@code moderation.embeddings}: each partition from {@code limit} records before its end
 * (offsets follow time within a partition), the latest record per contentId, the newest
 * {@code limit} overall. Embeddings of another digest are not comparable and are skipped.
 */
public final class EmbeddingArchive {
    private EmbeddingArchive() {
    }

    /** The embeddings found, newest first, packed row-major into a direct buffer (what ONNX Runtime reads without copying). */
    public record Stored(List<String> contentIds, FloatBuffer vectors, int dimension, long scanned, long otherModels) {
        public int rows() {
            return contentIds.size();
        }
    }

    /**
     * @param progress told how many records have been read so far (of at most {@code limit} times the partitions)
     */
    public static Stored latest(String bootstrapServers, String topic, String modelDigest, int limit, LongConsumer progress,
                                Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Map<String, EmbeddingRecord> latest = new HashMap<>();
        long scanned = 0;
        long other = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - limit));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    scanned++;
                    if (r.value() == null || r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    EmbeddingRecord e;
                    try {
                        e = AvroSerde.EMBEDDING.decode(r.value());
                    } catch (Exception ex) {
                        continue;
                    }
                    if (!e.getModelDigest().equals(modelDigest)) {
                        other++;
                        continue;
                    }
                    latest.merge(e.getContentId(), e, (a, b) -> b.getEmbeddedAt().isAfter(a.getEmbeddedAt()) ? b : a);
                }
                progress.accept(scanned);
            }
        }
        List<EmbeddingRecord> newest = new ArrayList<>(latest.values());
        newest.sort(Comparator.comparing(EmbeddingRecord::getEmbeddedAt).reversed().thenComparing(EmbeddingRecord::getContentId));
        if (newest.size() > limit) {
            newest = newest.subList(0, limit);
        }
        int dim = newest.isEmpty() ? 0 : newest.get(0).getVector().size();
        FloatBuffer vectors = ByteBuffer.allocateDirect(Math.max(4, newest.size() * dim * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        List<String> ids = new ArrayList<>(newest.size());
        for (EmbeddingRecord e : newest) {
            ids.add(e.getContentId());
            e.getVector().forEach(vectors::put);
        }
        vectors.flip();
        return new Stored(List.copyOf(ids), vectors, dim, scanned, other);
    }
}
