package org.reachwatch.schemas.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Kafka client settings shared by several client types, narrowed to one type. */
public final class KafkaClients {
    private KafkaClients() {
    }

    /**
     * The entries of {@code settings} whose names are in {@code names} (e.g. {@code ConsumerConfig.configNames()}),
     * as a new mutable map the caller adds its fixed settings to; a client then does not warn about
     * settings meant for another client type.
     */
    public static Map<String, Object> only(Set<String> names, Map<String, ?> settings) {
        Map<String, Object> config = new HashMap<>();
        settings.forEach((k, v) -> {
            if (names.contains(k)) {
                config.put(k, v);
            }
        });
        return config;
    }
}
