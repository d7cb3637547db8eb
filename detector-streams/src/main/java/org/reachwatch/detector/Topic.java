package org.reachwatch.detector;

import org.apache.kafka.common.serialization.Serde;

/** A topic is its name and its serdes. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
}
