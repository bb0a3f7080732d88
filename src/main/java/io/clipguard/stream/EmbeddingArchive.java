package io.clipguard.stream;

import io.clipguard.kafka.KafkaClients;
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
import java.util.function.LongConsumer;

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
    public static Stored latest(KafkaClients clients, String topic, String modelDigest, int limit, LongConsumer progress,
                                Duration timeout) {
        Map<String, EmbeddingRecord> latest = new HashMap<>();
        long[] otherModels = new long[1];
        long[] scanned = new long[1];
        TopicReader.read(clients, topic, (begin, end) -> Math.max(begin, end - limit), r -> {
            EmbeddingRecord e = TopicReader.decode(AvroSerde.EMBEDDING, r);
            if (e == null) {
                return;
            }
            if (!e.getModelDigest().equals(modelDigest)) {
                otherModels[0]++;
                return;
            }
            latest.merge(e.getContentId(), e, (a, b) -> b.getEmbeddedAt().isAfter(a.getEmbeddedAt()) ? b : a);
        }, n -> {
            scanned[0] = n;
            progress.accept(n);
        }, timeout);
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
        return new Stored(List.copyOf(ids), vectors, dim, scanned[0], otherModels[0]);
    }
}
