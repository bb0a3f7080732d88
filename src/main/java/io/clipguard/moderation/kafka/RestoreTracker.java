package io.clipguard.moderation.kafka;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts what Kafka Streams restores from changelogs, per store. A clean restart on the same
 * state directory restores nothing (the checkpoint covers the store); a restore from scratch
 * after every restart means the state directory is not stable (a new instance id, a temporary
 * directory wiped by the OS), which costs minutes on a large decision store.
 */
final class RestoreTracker implements StateRestoreListener {
    private static final Logger LOG = Logger.getLogger(RestoreTracker.class.getName());

    private final Map<String, AtomicLong> restored = new ConcurrentHashMap<>();

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        // Logged at the end, with what was actually restored: under exactly-once the range
        // often spans just a transaction marker.
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        restored.computeIfAbsent(store, k -> new AtomicLong()).addAndGet(numRestored);
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        if (totalRestored > 0) {
            LOG.info(() -> "restored " + totalRestored + " records of " + store + " " + partition);
        }
    }

    /** Records restored since start, per store name. */
    Map<String, Long> restored() {
        Map<String, Long> out = new TreeMap<>();
        restored.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
