package io.clipguard.kafka;

import io.clipguard.telemetry.ModerationMetrics;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Consumer lag of the uploads partitions this instance owns: the last committed (stable) offset
 * minus the application's committed offset, measured with the admin client every few seconds
 * and set on the lag gauges. Uncommitted transactional records do not count as lag.
 */
public final class LagMonitor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LagMonitor.class.getName());

    private final Admin admin;
    private final String applicationId;
    private final String topic;
    private final KafkaStreams streams;
    private final ModerationMetrics metrics;
    private volatile long total;
    private volatile Instant answeredAt;

    public LagMonitor(KafkaClients clients, String applicationId, String topic, KafkaStreams streams, ModerationMetrics metrics) {
        this.admin = clients.newAdmin();
        this.applicationId = applicationId;
        this.topic = topic;
        this.streams = streams;
        this.metrics = metrics;
    }

    /** Measures once; a broker that does not answer leaves the last values in place. */
    public void measure() {
        Set<TopicPartition> owned = new HashSet<>();
        try {
            streams.metadataForLocalThreads().forEach(t -> t.activeTasks().forEach(task -> task.topicPartitions().stream()
                    .filter(tp -> tp.topic().equals(topic)).forEach(owned::add)));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            owned.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(5, TimeUnit.SECONDS);
            long sum = 0;
            Set<String> keys = new HashSet<>();
            for (TopicPartition tp : owned) {
                OffsetAndMetadata c = committed.get(tp);
                long lag = Math.max(0, ends.get(tp).offset() - (c == null ? 0 : c.offset()));
                metrics.lag(tp.topic(), tp.partition(), lag);
                keys.add(tp.topic() + "/" + tp.partition());
                sum += lag;
            }
            metrics.retainLag(keys);
            total = sum;
            answeredAt = Instant.now();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.fine(() -> "lag not measured: " + e);
        }
    }

    /** When the broker last answered a measurement; null before the first. */
    public Instant answeredAt() {
        return answeredAt;
    }

    /** Uploads waiting on the partitions owned here, at the last measurement. */
    public long total() {
        return total;
    }

    @Override
    public void close() {
        admin.close();
    }
}
