package io.clipguard.policy.kafka;

import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicReader;
import io.clipguard.pdq.PdqHash;
import io.clipguard.schema.EmbeddingRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * Reads the most recent stored embeddings of one model digest from the compacted
 * {@code moderation.embeddings}, in bounded memory: each partition from {@code limit} records
 * before its end (offsets follow time within a partition), streamed into one direct buffer of
 * {@code limit} rows, the latest record per contentId, the newest {@code limit} overall (the
 * oldest row is overwritten when a newer one arrives). Memory is that buffer plus one entry
 * per row, however many records are scanned. Embeddings of another digest are not comparable
 * and are skipped, as are those of tenants the caller does not ask for.
 */
public final class EmbeddingArchive {
    private EmbeddingArchive() {
    }

    /**
     * The embeddings found, packed row-major into a direct buffer (what ONNX Runtime reads
     * without copying), with each row's upright PDQ hash (null where it was stored before
     * release v6 or could not be read).
     */
    public record Stored(List<String> contentIds, List<PdqHash> hashes, FloatBuffer vectors, int dimension, long scanned, long otherModels,
                         Instant oldest, Instant newest) {
        public int rows() {
            return contentIds.size();
        }

        /** Seconds from the oldest row's embedding to the newest's (0 with fewer than two rows). */
        public double spanSeconds() {
            return oldest == null ? 0 : Duration.between(oldest, newest).toMillis() / 1000.0;
        }
    }

    /** One row of the buffer: whose embedding it holds and from when. */
    private static final class Row {
        final int index;
        String contentId;
        PdqHash hash;
        Instant embeddedAt;

        Row(int index) {
            this.index = index;
        }
    }

    /**
     * @param tenants  which uploads count, by their tenant (null for embeddings stored before release v8)
     * @param progress told how many records have been read so far (of at most {@code limit} times the partitions)
     */
    public static Stored latest(KafkaClients clients, String topic, String modelDigest, Predicate<String> tenants, int limit,
                                LongConsumer progress, Duration timeout) {
        Map<String, Row> byId = new HashMap<>();
        PriorityQueue<Row> oldestFirst = new PriorityQueue<>(Comparator.comparing((Row r) -> r.embeddedAt).thenComparing(r -> r.contentId));
        FloatBuffer[] buffer = {null};
        int[] dim = {-1};
        long[] otherModels = new long[1];
        long[] scanned = new long[1];
        TopicReader.read(clients, topic, (begin, end) -> Math.max(begin, end - limit), r -> {
            EmbeddingRecord e = TopicReader.decode(AvroSerde.EMBEDDING, r);
            if (e == null) {
                return;
            }
            if (!e.getModelDigest().equals(modelDigest) || (dim[0] >= 0 && e.getVector().size() != dim[0])) {
                otherModels[0]++;
                return;
            }
            if (!tenants.test(e.getTenant())) {
                return;
            }
            if (buffer[0] == null) {
                dim[0] = e.getVector().size();
                buffer[0] = ByteBuffer.allocateDirect(Math.max(4, limit * dim[0] * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
            }
            Row row = byId.get(e.getContentId());
            if (row != null) {
                if (!e.getEmbeddedAt().isAfter(row.embeddedAt)) {
                    return;
                }
                oldestFirst.remove(row);
            } else if (byId.size() < limit) {
                row = new Row(byId.size());
            } else if (e.getEmbeddedAt().isAfter(oldestFirst.peek().embeddedAt)) {
                row = oldestFirst.poll();
                byId.remove(row.contentId);
            } else {
                return;
            }
            row.contentId = e.getContentId();
            row.embeddedAt = e.getEmbeddedAt();
            row.hash = hashOf(e);
            byId.put(row.contentId, row);
            oldestFirst.add(row);
            FloatBuffer target = buffer[0].duplicate().position(row.index * dim[0]);
            e.getVector().forEach(target::put);
        }, n -> {
            scanned[0] = n;
            progress.accept(n);
        }, timeout);
        int rows = byId.size();
        String[] ids = new String[rows];
        PdqHash[] hashes = new PdqHash[rows];
        Instant[] range = {null, null};
        byId.values().forEach(r -> {
            ids[r.index] = r.contentId;
            hashes[r.index] = r.hash;
            range[0] = range[0] == null || r.embeddedAt.isBefore(range[0]) ? r.embeddedAt : range[0];
            range[1] = range[1] == null || r.embeddedAt.isAfter(range[1]) ? r.embeddedAt : range[1];
        });
        FloatBuffer vectors = buffer[0] == null ? ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer()
                : buffer[0].duplicate().position(0).limit(rows * dim[0]).slice();
        return new Stored(List.of(ids), Arrays.asList(hashes), vectors, Math.max(dim[0], 0), scanned[0], otherModels[0], range[0], range[1]);
    }

    private static PdqHash hashOf(EmbeddingRecord e) {
        if (e.getPdq() == null) {
            return null;
        }
        try {
            return PdqHash.parse(e.getPdq());
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
