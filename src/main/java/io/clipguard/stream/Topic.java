package io.clipguard.stream;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/** A topic with its serdes and creation settings: names and serdes live here and nowhere else. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, Map<String, String> configs) {
}
