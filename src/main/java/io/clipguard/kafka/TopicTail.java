package io.clipguard.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Assigns a consumer every partition of some topics, each from its beginning or from a point in time: how the feed and the review queue start. */
public final class TopicTail {
    private TopicTail() {
    }

    /**
     * @param sinceMillis per topic: read from this time (epoch ms; a partition with nothing newer starts at its end), or null to
     *                    read from the beginning
     */
    public static void assign(KafkaConsumer<byte[], byte[]> consumer, Map<String, Long> sinceMillis) {
        List<TopicPartition> all = new ArrayList<>();
        Map<TopicPartition, Long> since = new HashMap<>();
        sinceMillis.forEach((topic, time) -> consumer.partitionsFor(topic).forEach(p -> {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            all.add(tp);
            if (time != null) {
                since.put(tp, time);
            }
        }));
        consumer.assign(all);
        consumer.seekToBeginning(all);
        consumer.offsetsForTimes(since).forEach((tp, o) -> {
            if (o != null) {
                consumer.seek(tp, o.offset());
            } else {
                consumer.seekToEnd(List.of(tp));
            }
        });
    }
}
