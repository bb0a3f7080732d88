package io.clipguard.kafka;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its serdes and creation settings: names and serdes live here and nowhere else.
 *
 * @param replicationFactor when created; -1 takes the broker's default
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, short replicationFactor,
                          Map<String, String> configs) {
}
